import { eq } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { provideDatabase } from "@/db";
import { objectChanges, pdmRemotes } from "@/db/schema";
import { fetchEndpoint } from "@/lib/sync/fetch";
import { failRun, reconcileEndpoint, startRun } from "@/lib/sync/workflow";
import { createSyncRun, getSyncRun } from "@/lib/services/sync-runs";
import { ctxFor, describeEachDb, type TestDb } from "@/tests/db";
import { endpointFor, simulatorPool } from "@/tests/sync-kit";

// An engine may run the same step twice at once (Inngest retries a step it lost track of;
// @inngest/test replays steps after parallel ones). The reconcile of an endpoint must then apply
// once: the twin waits on the run's row and returns the outcome the first recorded.

const sims = simulatorPool(77, "tw");

describeEachDb("a step run twice at once", (get) => {
  let db: TestDb;
  beforeAll(() => {
    db = get();
    provideDatabase(db.handle);
  });

  it("reconciles an endpoint exactly once", async () => {
    const ep = await endpointFor(db, await sims.start(7));
    const run = await createSyncRun(ctxFor(db), { endpoints: [ep.id] }, "api");
    const start = await startRun(db.handle.db, run.id, null);
    await fetchEndpoint(db.handle.db, run.id, ep.id, start.concurrency);
    const [a, b] = await Promise.all([
      reconcileEndpoint(db.handle.db, run.id, { id: ep.id, name: ep.name }),
      reconcileEndpoint(db.handle.db, run.id, { id: ep.id, name: ep.name }),
    ]);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ outcome: "succeeded", created: 7 });
    expect(await db.handle.db.select().from(pdmRemotes).where(eq(pdmRemotes.pdmEndpointId, ep.id))).toHaveLength(7);
    const changes = await db.handle.db.select().from(objectChanges).where(eq(objectChanges.syncRunId, run.id));
    expect(changes.filter((c) => c.action === "create")).toHaveLength(7);
    const after = await getSyncRun(ctxFor(db), run.id);
    expect(after.endpoints).toHaveLength(1);
    expect(after.progress).toMatchObject({ endpointsDone: 1 });
  });

  it("a fetch step run again reuses what the first staged: no second round of PDM requests", async () => {
    const sim = await sims.start(9);
    const ep = await endpointFor(db, sim);
    const run = await createSyncRun(ctxFor(db), { endpoints: [ep.id] }, "api");
    const start = await startRun(db.handle.db, run.id, null);
    sim.control.setOffline(sim.control.remotes()[0]!.id);
    const first = await fetchEndpoint(db.handle.db, run.id, ep.id, start.concurrency);
    expect(first).toEqual({ ok: true, remotes: 9, unreachable: 1, error: null });
    const requests = sim.stats().requests;
    expect(requests).toBe(2 + 9);
    expect(await fetchEndpoint(db.handle.db, run.id, ep.id, start.concurrency)).toEqual(first);
    expect(sim.stats().requests).toBe(requests);
    expect(await reconcileEndpoint(db.handle.db, run.id, { id: ep.id, name: ep.name })).toMatchObject({ outcome: "succeeded", created: 9 });
  });

  it("a fetch step of a run that has ended sends nothing to PDM", async () => {
    const sim = await sims.start(4);
    const ep = await endpointFor(db, sim);
    const run = await createSyncRun(ctxFor(db), { endpoints: [ep.id] }, "api");
    const start = await startRun(db.handle.db, run.id, null);
    await failRun(db.handle.db, run.id, "given up");
    const outcome = await fetchEndpoint(db.handle.db, run.id, ep.id, start.concurrency);
    expect(outcome).toMatchObject({ ok: false, remotes: 0, error: expect.stringMatching(/has already ended \(failed\)/) });
    expect(sim.stats().requests).toBe(0);
  });

  it("a reconcile step of a run that has ended changes nothing", async () => {
    const ep = await endpointFor(db, await sims.start(5));
    const run = await createSyncRun(ctxFor(db), { endpoints: [ep.id] }, "api");
    const start = await startRun(db.handle.db, run.id, null);
    await fetchEndpoint(db.handle.db, run.id, ep.id, start.concurrency);
    await failRun(db.handle.db, run.id, "given up");
    const res = await reconcileEndpoint(db.handle.db, run.id, { id: ep.id, name: ep.name });
    expect(res).toMatchObject({ outcome: "skipped", created: 0, error: expect.stringMatching(/has already ended \(failed\)/) });
    expect(await db.handle.db.select().from(pdmRemotes).where(eq(pdmRemotes.pdmEndpointId, ep.id))).toEqual([]);
    expect(await db.handle.db.select().from(objectChanges).where(eq(objectChanges.syncRunId, run.id))).toEqual([]);
    expect((await getSyncRun(ctxFor(db), run.id)).endpoints).toEqual([]);
  });
});
