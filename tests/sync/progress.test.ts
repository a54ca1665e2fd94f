import { afterAll, beforeAll, expect, it } from "vitest";
import { setDatabaseForTests } from "@/db";
import { syncPdmHandler } from "@/inngest/functions/sync-pdm";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";
import { createSyncRun, getSyncRun } from "@/lib/services/sync-runs";
import { startPdmSimulator, type RunningSimulator } from "@/sim/server";
import { ctxFor, describeEachDb, uniq, type TestDb } from "@/tests/db";

// The run page's "current step" comes from the workflow itself, so it is live whichever engine
// runs the steps (an Inngest server as much as the embedded runner).

const sims: RunningSimulator[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

describeEachDb("sync progress", (get) => {
  let db: TestDb;
  beforeAll(() => {
    db = get();
    setDatabaseForTests(db.handle);
  });

  it("records each step as the current one while its body runs, and clears it at the end", async () => {
    const sim = await startPdmSimulator({ remotes: 3, seed: 55 + sims.length, prefix: `pg${sims.length}`, authFailureDelayMs: 0 });
    sims.push(sim);
    const ep = await pdmEndpointService.create(ctxFor(db), { name: uniq("pdm"), host: sim.host, port: sim.port, token_id: sim.tokenId, token_secret: sim.tokenSecret, fingerprint: sim.fingerprint });
    const run = await createSyncRun(ctxFor(db), { endpoints: [ep.id] }, "api");
    const seen: [string, string | null][] = [];
    // A bare engine, like Inngest's: it only runs step bodies and memoizes nothing here.
    const step = {
      run: async <T,>(id: string, fn: () => Promise<T>): Promise<T> =>
        fn().then(async (out) => {
          if (id !== "finish") seen.push([id, (await getSyncRun(ctxFor(db), run.id)).progress?.currentStep ?? null]);
          return out;
        }),
    };
    await syncPdmHandler({ event: { data: { runId: run.id } }, step, runId: "bare" });
    expect(seen).toEqual([
      ["start", "start"],
      ["prepare-git", "prepare-git"],
      [`fetch-endpoint-${ep.id}`, `fetch-endpoint-${ep.id}`],
      [`reconcile-endpoint-${ep.id}`, `reconcile-endpoint-${ep.id}`],
      ["commit-main", "commit-main"],
    ]);
    const done = await getSyncRun(ctxFor(db), run.id);
    expect(done).toMatchObject({ status: "succeeded", progress: { currentStep: null } });
  });
});
