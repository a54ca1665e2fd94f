import { InngestTestEngine } from "@inngest/test";
import { desc, eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { provideDatabase } from "@/db";
import { syncRuns } from "@/db/schema";
import { EmbeddedRunner } from "@/inngest/embedded-runner";
import { scheduleSync } from "@/inngest/functions/schedule-sync";
import { updateSettings } from "@/lib/services/settings";
import { ctxFor, describeEachDb, type TestDb } from "@/tests/db";
import { createScheduledRunIfDue, lastTick } from "./schedule";

// `sync_schedule` (SPEC §4.1): empty = off; otherwise at most one run per cron tick, created by
// the Inngest cron function or by the embedded runner's timer.

describe("lastTick", () => {
  const at = (iso: string) => new Date(iso);
  it("is off for an empty or invalid expression", () => {
    expect(lastTick("", at("2031-05-04T10:30:00Z"))).toBeNull();
    expect(lastTick("   ", at("2031-05-04T10:30:00Z"))).toBeNull();
    expect(lastTick("every hour", at("2031-05-04T10:30:00Z"))).toBeNull();
  });
  it("is the latest tick at or before now, in UTC", () => {
    expect(lastTick("0 * * * *", at("2031-05-04T10:30:00Z"))).toEqual(at("2031-05-04T10:00:00Z"));
    expect(lastTick("0 * * * *", at("2031-05-04T10:00:00Z"))).toEqual(at("2031-05-04T10:00:00Z"));
    expect(lastTick("*/15 * * * *", at("2031-05-04T10:44:59Z"))).toEqual(at("2031-05-04T10:30:00Z"));
    expect(lastTick("0 3 * * 1", at("2031-05-04T10:30:00Z"))).toEqual(at("2031-04-28T03:00:00Z"));
  });
});

describeEachDb("sync schedule", (get) => {
  let db: TestDb;
  beforeAll(() => {
    db = get();
    provideDatabase(db.handle);
  });
  afterEach(async () => {
    await updateSettings(ctxFor(db), { sync_schedule: "" }, { partial: true });
  });

  /** The start of the current minute, waiting out a minute that is about to end (no tick races). */
  async function thisMinute(): Promise<number> {
    if (Date.now() % 60_000 > 55_000) await new Promise((r) => setTimeout(r, 60_000 - (Date.now() % 60_000) + 50));
    return Date.now() - (Date.now() % 60_000);
  }

  const scheduled = () => db.handle.db.select().from(syncRuns).where(eq(syncRuns.trigger, "schedule")).orderBy(desc(syncRuns.id));

  it("creates nothing while the schedule is empty", async () => {
    expect(await createScheduledRunIfDue(db.handle.db)).toBeNull();
    expect(await scheduled()).toEqual([]);
  });

  it("creates one queued run per tick, never two for the same tick", async () => {
    await updateSettings(ctxFor(db), { sync_schedule: "* * * * *" }, { partial: true });
    const minute = await thisMinute();
    const first = await createScheduledRunIfDue(db.handle.db, new Date(minute + 5_000));
    expect(first).toMatchObject({ status: "queued", trigger: "schedule", requested_by_name: "schedule", requested_endpoints: null });
    expect(await createScheduledRunIfDue(db.handle.db, new Date(minute + 40_000))).toBeNull();
    // The next minute is a new tick.
    const next = await createScheduledRunIfDue(db.handle.db, new Date(minute + 65_000));
    expect(next?.id).toBeGreaterThan(first!.id);
    expect((await scheduled()).length).toBe(2);
  });

  it("does not replay a tick missed while the server was down", async () => {
    await updateSettings(ctxFor(db), { sync_schedule: "0 0 1 1 *" }, { partial: true });
    const before = (await scheduled()).length;
    expect(await createScheduledRunIfDue(db.handle.db, new Date("2040-01-01T00:05:00Z"))).toBeNull();
    expect((await scheduled()).length).toBe(before);
  });

  it("the embedded runner's timer queues the scheduled run", async () => {
    await updateSettings(ctxFor(db), { sync_schedule: "* * * * *" }, { partial: true });
    await db.handle.db.delete(syncRuns).where(eq(syncRuns.trigger, "schedule"));
    const runner = new EmbeddedRunner({ scheduleIntervalMs: 0 });
    await thisMinute();
    await runner.checkSchedule();
    await runner.checkSchedule(); // the timer fires again within the same minute
    const runs = await scheduled();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "queued", engine: "embedded" });
  });

  it("the Inngest cron function queues the run and sends pdm/sync.requested with its id, once per tick", async () => {
    await updateSettings(ctxFor(db), { sync_schedule: "* * * * *" }, { partial: true });
    await db.handle.db.delete(syncRuns).where(eq(syncRuns.trigger, "schedule"));
    await thisMinute();
    const sent: unknown[] = [];
    // A fresh engine per execution: one engine memoizes step results across execute() calls.
    const exec = () =>
      new InngestTestEngine({ function: scheduleSync }).execute({
        events: [{ name: "inngest/scheduled.timer", data: {} }],
        steps: [{ id: "request-sync", handler: () => void sent.push("sent") }],
      });
    const a = await exec();
    expect(a.error).toBeUndefined();
    const [run] = await scheduled();
    expect(a.result).toEqual({ queued: run!.id });
    expect(sent).toHaveLength(1);
    const b = await exec();
    expect(b.result).toEqual({ queued: null });
    expect(sent).toHaveLength(1);
    expect(await scheduled()).toHaveLength(1);
  });
});
