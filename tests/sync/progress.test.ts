import { beforeAll, expect, it } from "vitest";
import { provideDatabase } from "@/db";
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
    provideDatabase(db.handle);
  });

  it("records each step as the current one while its body runs, and clears it at the end", async () => {
    const ep = await endpointFor(db, await sims.start(3));
    const run = await createSyncRun(ctxFor(db), { endpoints: [ep.id] }, "api");
    const seen: [string, string | null][] = [];
    const events: string[] = [];
    // A bare engine, like Inngest's: it only runs step bodies and memoizes nothing here.
    const step = {
      run: async <T,>(id: string, fn: () => Promise<T>): Promise<T> =>
        (events.push(`start ${id}`), fn()).then(async (out) => {
          events.push(`end ${id}`);
          if (id !== "finish") seen.push([id, (await getSyncRun(ctxFor(db), run.id)).progress?.currentStep ?? null]);
          return out;
        }),
      sleep: (_id: string, ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    };
    await syncPdmHandler({ event: { data: { runId: run.id } }, step, runId: "bare" });
    // Without branching, prepare-git runs beside the fetch: either may be the current one then.
    const fetch = `fetch-endpoint-${ep.id}`;
    expect(seen.filter(([id]) => id !== "prepare-git" && id !== fetch)).toEqual([
      ["start", "start"],
      [`reconcile-endpoint-${ep.id}`, `reconcile-endpoint-${ep.id}`],
      ["commit-main", "commit-main"],
    ]);
    for (const id of ["prepare-git", fetch]) expect([["prepare-git"], [fetch]].map(([c]) => [id, c])).toContainEqual(seen.find(([s]) => s === id));
    // Both finish before the reconcile starts; the fetch does not wait for prepare-git.
    expect(events.indexOf("end prepare-git")).toBeLessThan(events.indexOf(`start reconcile-endpoint-${ep.id}`));
    expect(events.indexOf(`end ${fetch}`)).toBeLessThan(events.indexOf(`start reconcile-endpoint-${ep.id}`));
    expect(events.indexOf(`start ${fetch}`)).toBeLessThan(events.indexOf("end prepare-git"));
    const done = await getSyncRun(ctxFor(db), run.id);
    expect(done).toMatchObject({ status: "succeeded", progress: { currentStep: null } });
  });
});
