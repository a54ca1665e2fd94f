import { eq } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { provideDatabase } from "@/db";
import { syncRuns } from "@/db/schema";
import { syncPdmHandler, type StepTools } from "@/inngest/functions/sync-pdm";
import { createSyncRun, getSyncRun } from "@/lib/services/sync-runs";
import { startRun, type StartResult } from "@/lib/sync/workflow";
import { ctxFor, describeEachDb, type TestDb } from "@/tests/db";
import { endpointFor, simulatorPool } from "@/tests/sync-kit";

// Runs never overlap (SPEC §4), whatever the engine does: an Inngest server runs two runs' steps
// interleaved (its concurrency key limits steps, not runs), so a run waits for its turn at start.

const sims = simulatorPool(91, "tu");

describeEachDb("runs take turns", (get) => {
  let db: TestDb;
  beforeAll(() => {
    db = get();
    provideDatabase(db.handle);
  });

  // Like an Inngest server with two runs under way: every step of both runs is executed as it comes.
  const interleaving: StepTools = { run: (_id, fn) => fn(), sleep: (_id, ms) => new Promise((r) => setTimeout(r, ms)) };

  it("two runs executed at once: the second waits, queued, until the first has finished", async () => {
    const sim = await sims.start(30);
    const ep = await endpointFor(db, sim);
    const a = await createSyncRun(ctxFor(db), { endpoints: [ep.id] }, "api");
    const b = await createSyncRun(ctxFor(db), { endpoints: [ep.id] }, "api");
    // A holds the inventory and stops before its commit until B has asked for its turn.
    let aStarted!: () => void;
    let bAsked!: () => void;
    const started = new Promise<void>((r) => (aStarted = r));
    const asked = new Promise<void>((r) => (bAsked = r));
    const stepA: StepTools = {
      ...interleaving,
      run: async (id, fn) => {
        // (Not for ever: without turns B would not ask, and the assertions below say so.)
        if (id === "commit-main") await Promise.race([asked, new Promise((r) => setTimeout(r, 10_000))]);
        const out = await fn();
        if (id === "start") aStarted();
        return out;
      },
    };
    const stepsOfB: [string, string][] = [];
    let bWhileWaiting = "";
    const stepB: StepTools = {
      ...interleaving,
      run: async (id, fn) => {
        const out = await fn();
        stepsOfB.push([id, (await getSyncRun(ctxFor(db), a.id)).status]);
        if (id.startsWith("start") && (out as StartResult).waitingFor === a.id) {
          bWhileWaiting = (await getSyncRun(ctxFor(db), b.id)).status;
          bAsked();
        }
        return out;
      },
    };
    const runA = syncPdmHandler({ event: { data: { runId: a.id } }, step: stepA, runId: "a" });
    await started;
    const runB = syncPdmHandler({ event: { data: { runId: b.id } }, step: stepB, runId: "b" });
    await Promise.all([runA, runB]);
    // B stayed queued while A ran.
    expect(bWhileWaiting).toBe("queued");
    const [ra, rb] = [await getSyncRun(ctxFor(db), a.id), await getSyncRun(ctxFor(db), b.id)];
    expect(ra).toMatchObject({ status: "succeeded", created: 30 });
    expect(rb).toMatchObject({ status: "succeeded", created: 0, unchanged: 30 });
    expect(rb.started_at!.getTime()).toBeGreaterThanOrEqual(ra.finished_at!.getTime());
    // B's first start found A running; every step B did beyond asking came after A had ended.
    expect(stepsOfB[0]).toEqual(["start", "running"]);
    const beyond = stepsOfB.filter(([id]) => !/^start(-\d+)?$/.test(id));
    expect(beyond.map(([id]) => id)).toContain(`reconcile-endpoint-${ep.id}`);
    expect(beyond.every(([, status]) => status === "succeeded")).toBe(true);
  });

  it("a run still `running` an hour after it started is failed by the next one, which goes on", async () => {
    const ep = await endpointFor(db, await sims.start(2));
    const [lost] = await db.handle.db
      .insert(syncRuns)
      .values({ trigger: "api", status: "running", startedAt: new Date(Date.now() - 61 * 60_000) })
      .returning({ id: syncRuns.id });
    const next = await createSyncRun(ctxFor(db), { endpoints: [ep.id] }, "api");
    const start = await startRun(db.handle.db, next.id, null);
    expect(start).toMatchObject({ waitingFor: null, endpoints: [{ id: ep.id }] });
    const [row] = await db.handle.db.select().from(syncRuns).where(eq(syncRuns.id, lost!.id));
    expect(row).toMatchObject({ status: "failed", error: `Still running an hour after it started: its workflow engine lost it, so sync run #${next.id} ended it to take its turn.` });
    expect(row!.finishedAt).not.toBeNull();
    expect((await getSyncRun(ctxFor(db), next.id)).status).toBe("running");
  });
});
