import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startPdmSimulator, type RunningSimulator } from "@/sim/server";
import { PdmError } from "./errors";
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

  // A production build bundles this module (and lib/pdm/errors.ts) into several chunks that share
  // one pump: the server starts it from instrumentation.ts, an Inngest step uses it from the
  // /api/inngest route. A PDM failure must still be a PdmError to the copy that asked (else the
  // fetch step threw it for the engine to retry instead of recording the endpoint's outcome).
  it("a second copy of the module, as another bundle has, gets PDM failures as its own PdmError", async () => {
    await startRequestPump();
    vi.resetModules();
    const copy = await import("./pump");
    const errors = await import("./errors");
    expect(errors.PdmError).not.toBe(PdmError);
    const limiter = { key: "pump-copy-test", limit: 2, priority: 0 };
    const opts = { host: sim.host, port: sim.port, tokenId: sim.tokenId, tokenSecret: "wrong", fingerprint: sim.fingerprint, verifySsl: true, timeoutSeconds: 10 };
    const theirs = copy.pumpedPdmClient(opts, limiter);
    const ours = pumpedPdmClient({ ...opts, tokenSecret: sim.tokenSecret }, limiter);
    try {
      const [failed, answered] = await Promise.allSettled([theirs.version(), ours.version()]);
      expect(failed.status).toBe("rejected");
      const err = (failed as PromiseRejectedResult).reason as Error;
      expect(errors.isPdmError(err)).toBe(true);
      expect(err.message).toBe("HTTP 401: authentication failed");
      expect(answered).toMatchObject({ status: "fulfilled", value: { version: expect.stringMatching(/^\d+\.\d+/) } });
    } finally {
      await theirs.close();
      await ours.close();
      releasePumpLimiter(limiter.key);
    }
  });
});
