import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPdmSimulator, type RunningSimulator } from "@/sim/server";
import { pumpedPdmClient, releasePumpLimiter, startRequestPump } from "./pump";

// The request pump's thread (lib/pdm/pump.ts): started ahead of time at server start, then used
// by a sync's clients.

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startPdmSimulator({ remotes: 5, seed: 11, authFailureDelayMs: 0 });
});
afterAll(async () => {
  await sim.close();
});

describe("request pump", () => {
  it("starts ahead of the first sync and then serves its clients on the same thread", async () => {
    await startRequestPump();
    await startRequestPump(); // idempotent: the running thread answers again
    const limiter = { key: "pump-test", limit: 2, priority: 0 };
    const client = pumpedPdmClient({ host: sim.host, port: sim.port, tokenId: sim.tokenId, tokenSecret: sim.tokenSecret, fingerprint: sim.fingerprint, verifySsl: true, timeoutSeconds: 10 }, limiter);
    try {
      expect((await client.version()).version).toMatch(/^\d+\.\d+/);
      const remotes = await client.listRemotes();
      expect(remotes).toHaveLength(5);
      const versions = await client.remoteVersions(remotes.map((r) => r.name));
      expect([...versions.values()].every((v) => v.ok)).toBe(true);
    } finally {
      await client.close();
      releasePumpLimiter(limiter.key);
    }
  });
});
