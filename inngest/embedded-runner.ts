import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { getDb } from "@/db";
import type { Db } from "@/db/client";
import { syncRunSteps, syncRuns } from "@/db/schema";
import { log } from "@/lib/log";
import { createScheduledRunIfDue } from "@/lib/sync/schedule";
import { failRun } from "@/lib/sync/workflow";
import { SYNC_RETRIES, syncPdmHandler, type StepTools } from "./functions/sync-pdm";

// The embedded runner: executes the same sync function definition in-process when no Inngest
// server is configured (SPEC §4.1). It is a single-machine fallback, not a second engine:
// - one run at a time, oldest queued first (runs never overlap);
// - every step is recorded in sync_run_steps; a finished step is never run again, so a run
//   interrupted by a crash or restart is resumed from its last finished step on start;
// - a step is retried like on Inngest (SYNC_RETRIES), then the run fails; a run resumed too
//   often (it keeps crashing the process) is failed rather than retried forever.

const MAX_ATTEMPTS = SYNC_RETRIES + 1;
const MAX_RESUMES = 3;
const RESUME_STEP = "embedded:resume";

class StepFailed extends Error {}

export interface RunnerOptions {
  backoffMs?: number;
  /** Check the sync schedule every … ms (0 = never). */
  scheduleIntervalMs?: number;
}

export class EmbeddedRunner {
  private wake: (() => void) | null = null;
  private stopped = false;
  private loopDone: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly backoffMs: number;
  private readonly scheduleIntervalMs: number;

  constructor(opts: RunnerOptions = {}) {
    this.backoffMs = opts.backoffMs ?? 1000;
    this.scheduleIntervalMs = opts.scheduleIntervalMs ?? 30_000;
  }

  start(): void {
    if (this.loopDone) return;
    this.stopped = false;
    this.loopDone = this.loop();
    if (this.scheduleIntervalMs > 0) {
      this.timer = setInterval(() => void this.checkSchedule(), this.scheduleIntervalMs);
      this.timer.unref();
    }
  }

  /** New work was queued. */
  notify(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.notify();
    await this.loopDone;
    this.loopDone = null;
  }

  async checkSchedule(now = new Date()): Promise<void> {
    try {
      const run = await createScheduledRunIfDue(await getDb(), now);
      if (run) {
        log.info(`scheduled sync run #${run.id} queued`);
        this.notify();
      }
    } catch (err) {
      log.error("checking the sync schedule failed", { error: String(err) });
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let runId: number | null = null;
      try {
        runId = await this.next(await getDb());
      } catch (err) {
        log.error("embedded runner: cannot read the run queue", { error: String(err) });
      }
      if (runId === null) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, 5000).unref();
        });
        this.wake = null;
        continue;
      }
      await this.execute(runId);
    }
  }

  /** A run left `running` by a crash comes first (resume), then the oldest queued run. */
  private async next(db: Db): Promise<number | null> {
    const [row] = await db
      .select({ id: syncRuns.id, status: syncRuns.status })
      .from(syncRuns)
      .where(and(inArray(syncRuns.status, ["running", "queued"]), eq(syncRuns.engine, "embedded")))
      .orderBy(sql`case when ${syncRuns.status} = 'running' then 0 else 1 end`, asc(syncRuns.id))
      .limit(1);
    return row?.id ?? null;
  }

  async execute(runId: number): Promise<void> {
    const db = await getDb();
    const [run] = await db.select({ status: syncRuns.status }).from(syncRuns).where(eq(syncRuns.id, runId));
    if (run?.status === "running") {
      const resumes = await this.countResume(db, runId);
      if (resumes > MAX_RESUMES) {
        await failRun(db, runId, `The run was interrupted ${MAX_RESUMES} times (server crash or restart) and was given up.`);
        return;
      }
      log.warn(`sync run #${runId} was interrupted; resuming from its last finished step`);
    }
    try {
      await syncPdmHandler({ event: { data: { runId } }, step: this.stepTools(db, runId), runId: `embedded-${runId}` });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await failRun(db, runId, `The sync workflow failed: ${message}`).catch(() => {});
      log.error(`sync run #${runId} failed`, { error: message });
    }
  }

  private async countResume(db: Db, runId: number): Promise<number> {
    const [row] = await db
      .insert(syncRunSteps)
      .values({ syncRunId: runId, stepId: RESUME_STEP, status: "succeeded", attempts: 1 })
      .onConflictDoUpdate({ target: [syncRunSteps.syncRunId, syncRunSteps.stepId], set: { attempts: sql`${syncRunSteps.attempts} + 1` } })
      .returning({ attempts: syncRunSteps.attempts });
    return row?.attempts ?? 1;
  }

  /** step.run with Inngest's semantics: memoized, retried, JSON-serialized output. */
  stepTools(db: Db, runId: number): StepTools {
    const backoffMs = this.backoffMs;
    return {
      async run<T>(stepId: string, fn: () => Promise<T>): Promise<T> {
        const [done] = await db
          .select()
          .from(syncRunSteps)
          .where(and(eq(syncRunSteps.syncRunId, runId), eq(syncRunSteps.stepId, stepId)));
        if (done?.status === "succeeded") return done.output as T;
        for (let attempt = (done?.attempts ?? 0) + 1; ; attempt++) {
          const startedAt = new Date();
          await db
            .insert(syncRunSteps)
            .values({ syncRunId: runId, stepId, status: "running", attempts: attempt, startedAt })
            .onConflictDoUpdate({
              target: [syncRunSteps.syncRunId, syncRunSteps.stepId],
              set: { status: "running", attempts: attempt, startedAt, finishedAt: null },
            });
          try {
            const output = JSON.parse(JSON.stringify((await fn()) ?? null)) as T;
            await db
              .update(syncRunSteps)
              .set({ status: "succeeded", output, error: null, finishedAt: new Date() })
              .where(and(eq(syncRunSteps.syncRunId, runId), eq(syncRunSteps.stepId, stepId)));
            return output;
          } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            await db
              .update(syncRunSteps)
              .set({ status: "failed", error: message, finishedAt: new Date() })
              .where(and(eq(syncRunSteps.syncRunId, runId), eq(syncRunSteps.stepId, stepId)));
            if (attempt >= MAX_ATTEMPTS) throw new StepFailed(`step "${stepId}" failed after ${attempt} attempts: ${message}`);
            log.warn(`sync run #${runId}: step "${stepId}" failed (attempt ${attempt}), retrying`, { error: message });
            await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)));
          }
        }
      },
      // Runs never wait here (this runner takes them one at a time) unless a run of another engine
      // is under way; a plain timer then, not recorded: a resumed run asks for its turn again.
      sleep: (_id, ms) => new Promise((r) => setTimeout(r, ms)),
    };
  }
}

const g = globalThis as typeof globalThis & { __netboxPdmRunner?: EmbeddedRunner };

/** The process's runner (Next may load this module more than once: keep one instance). */
export function getEmbeddedRunner(): EmbeddedRunner {
  g.__netboxPdmRunner ??= new EmbeddedRunner();
  return g.__netboxPdmRunner;
}
