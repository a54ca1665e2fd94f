import { beforeAll, expect, it } from "vitest";
import { setDatabaseForTests } from "@/db";
import { syncPdmHandler } from "@/inngest/functions/sync-pdm";
import { createSyncRun, getSyncRun } from "@/lib/services/sync-runs";
import { ctxFor, describeEachDb, type TestDb } from "@/tests/db";
import { endpointFor, simulatorPool } from "@/tests/sync-kit";

// The run page's "current step" comes from the workflow itself, so it is live whichever engine
// runs the steps (an Inngest server as much as the embedded runner).

const sims = simulatorPool(55, "pg");

describeEachDb("sync progress", (get) => {
  let db: TestDb;
  beforeAll(() => {
    db = get();
    setDatabaseForTests(db.handle);
  });

  it("records each step as the current one while its body runs, and clears it at the end", async () => {
    const ep = await endpointFor(db, await sims.start(3));
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
