import { sql } from "drizzle-orm";
import { afterEach, beforeAll, expect, it } from "vitest";
import { provideDatabase } from "@/db";
import { EmbeddedRunner } from "@/inngest/embedded-runner";
import { createSyncRun, getSyncRun } from "@/lib/services/sync-runs";
import { ctxFor, describeEachDb, type TestDb } from "@/tests/db";
import { endpointFor, simulatorPool } from "@/tests/sync-kit";

// A step that throws ends the run `failed` with the error in plain words: a database error says
// what the database said, not Drizzle's "Failed query: <SQL> params: <all the fetched data>".
// (The same through a real Inngest server: tests/inngest-server/dev.test.ts.)

const sims = simulatorPool(95, "se");

describeEachDb("a step's error", (get) => {
  let db: TestDb;
  beforeAll(() => {
    db = get();
    provideDatabase(db.handle);
  });
  afterEach(async () => {
    await db.handle.db.execute(sql`drop trigger if exists se_refuse on sync_run_fetches`);
    await db.handle.db.execute(sql`drop function if exists se_refuse()`);
  });

  it("is the database's own message, without the query and its data", async () => {
    const ep = await endpointFor(db, await sims.start(3));
    await db.handle.db.execute(
      sql.raw(`create function se_refuse() returns trigger language plpgsql as $$ begin raise exception 'could not stage the fetched data'; end $$`),
    );
    await db.handle.db.execute(sql`create trigger se_refuse before insert on sync_run_fetches for each row execute function se_refuse()`);
    const run = await createSyncRun(ctxFor(db), { endpoints: [ep.id] }, "api");
    await new EmbeddedRunner({ backoffMs: 1, scheduleIntervalMs: 0 }).execute(run.id);
    const after = await getSyncRun(ctxFor(db), run.id);
    expect(after.status).toBe("failed");
    expect(after.error).toBe(`The sync workflow failed: step "fetch-endpoint-${ep.id}" failed after 3 attempts: database: could not stage the fetched data`);
  });
});
