import { CronExpressionParser } from "cron-parser";
import { and, desc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { syncRuns } from "@/db/schema";
import { createContext, SYSTEM_ACTOR } from "@/lib/services/context";
import { readSettingsForSystem } from "@/lib/services/settings";
import { createSyncRun, type SyncRunRecord } from "@/lib/services/sync-runs";

// `sync_schedule` (SPEC §2.3, §4.1): a cron expression in the settings, empty = off. Both engines
// call this every minute (Inngest: a cron function; embedded: a timer); it creates at most one run
// per scheduled tick.

/** The latest scheduled tick at or before `now`, or null when the schedule is off or invalid. */
export function lastTick(expr: string, now: Date): Date | null {
  if (!expr.trim()) return null;
  try {
    const it = CronExpressionParser.parse(expr.trim(), { currentDate: new Date(now.getTime() + 1), tz: "UTC" });
    return it.prev().toDate();
  } catch {
    return null;
  }
}

/** Creates the scheduled run if a tick is due and not yet served; returns it for dispatch. */
export async function createScheduledRunIfDue(db: Db, now = new Date()): Promise<SyncRunRecord | null> {
  const ctx = createContext(db, SYSTEM_ACTOR);
  const settings = await readSettingsForSystem(ctx);
  const tick = lastTick(settings.sync_schedule, now);
  // Only recent ticks: a server that was down does not replay the schedule it missed.
  if (!tick || now.getTime() - tick.getTime() > 120_000) return null;
  const [last] = await db
    .select({ created: syncRuns.created })
    .from(syncRuns)
    .where(and(eq(syncRuns.trigger, "schedule")))
    .orderBy(desc(syncRuns.id))
    .limit(1);
  if (last && last.created.getTime() >= tick.getTime()) return null;
  return createSyncRun(ctx, {}, "schedule");
}
