import { eq } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { setDatabaseForTests } from "@/db";
import { objectChanges, pdmRemotes } from "@/db/schema";
import { fetchEndpoint } from "@/lib/sync/fetch";
import { reconcileEndpoint, startRun } from "@/lib/sync/workflow";
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
    setDatabaseForTests(db.handle);
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
});
