import { and, asc, count, desc, eq, inArray, ne, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, Executor } from "@/db/client";
import {
  SYNC_RUN_STATUSES,
  SYNC_TRIGGERS,
  pdmEndpoints,
  syncRunFetches,
  syncRunSteps,
  syncRuns,
  users,
  type SyncRun,
  type SyncRunEndpointResult,
  type SyncRunStep,
  type SyncRunStatus,
  type SyncTrigger,
} from "@/db/schema";
import { getEnv, workflowEngineMode } from "@/env";
import { authorize } from "@/lib/auth/permissions";
import { NotFoundError } from "@/lib/errors";
import { isRowId, zRefId } from "@/lib/validation/fields";
import { checkRefsExist, parseInput } from "../crud";
import { addFieldError, ValidationError, type FieldErrors } from "@/lib/errors";
import type { ServiceContext } from "../context";
import { buildOrderBy, buildWhere, clampLimit, type ListInput, type ListSpec, type Page } from "../list";

// Sync runs (SPEC §4): requested by people, the API or the schedule; executed by the sync
// workflow (inngest/functions/sync-pdm.ts) on Inngest or the embedded runner.

const endpointResultSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  outcome: z.enum(["succeeded", "failed", "skipped"]),
  created: z.number().int(),
  updated: z.number().int(),
  deleted: z.number().int(),
  unchanged: z.number().int(),
  unreachable: z.number().int().describe("Remotes PDM listed but could not reach: kept, marked unreachable"),
  error: z.string().nullable(),
});

export const STEP_OUTCOMES = ["running", "succeeded", "warning", "failed", "skipped", "left_open"] as const;
export type StepOutcome = (typeof STEP_OUTCOMES)[number];

export const syncRunStepRecordSchema = z.object({
  step_id: z.string(),
  status: z.string().describe("Whether the engine ran the step to its end (running, succeeded, failed)"),
  outcome: z.enum(STEP_OUTCOMES).describe("What the step found: an endpoint that failed is a step that ran but failed"),
  detail: z.string().nullable().describe("The outcome in words: the endpoint's error, unreachable remotes, a branch left open"),
  attempts: z.number().int(),
  error: z.string().nullable(),
  started_at: z.date(),
  finished_at: z.date().nullable(),
});
export type SyncRunStepRecord = z.infer<typeof syncRunStepRecordSchema>;

/** The read shape of a run (SPEC §4; also what /api/schema/ documents). */
export const syncRunRecordSchema = z.object({
  id: z.number().int(),
  display: z.string(),
  status: z.enum(SYNC_RUN_STATUSES),
  trigger: z.enum(SYNC_TRIGGERS),
  requested_by: z.object({ id: z.number().int(), name: z.string(), display: z.string() }).nullable(),
  requested_by_name: z.string(),
  requested_endpoints: z.array(z.number().int()).nullable(),
  endpoints: z.array(endpointResultSchema),
  created: z.number().int(),
  updated: z.number().int(),
  deleted: z.number().int(),
  unchanged: z.number().int(),
  unreachable: z.number().int().describe("Remotes marked unreachable by this run, over all its endpoints"),
  warnings: z.array(z.string()).describe("What a succeeded run still wants read: unreachable remotes per endpoint"),
  counts_applied: z
    .boolean()
    .describe("Whether created/updated/deleted were applied to the inventory; false while a branch awaits review or after it was discarded (then they are proposed counts)"),
  progress: z
    .object({
      currentStep: z.string().nullable(),
      endpointsDone: z.number().int(),
      endpointsTotal: z.number().int(),
      remotesFetched: z.number().int(),
      remotesTotal: z.number().int(),
    })
    .nullable(),
  branch: z.string().nullable(),
  merge_outcome: z.string().nullable(),
  error: z.string().nullable(),
  engine: z.string(),
  inngest_run_id: z.string().nullable(),
  inngest_url: z.string().nullable(),
  queued_at: z.date(),
  started_at: z.date().nullable(),
  finished_at: z.date().nullable(),
  duration_seconds: z.number().nullable(),
});
export type SyncRunRecord = z.infer<typeof syncRunRecordSchema>;
export const syncRunDetailSchema = syncRunRecordSchema.extend({ steps: z.array(syncRunStepRecordSchema) });

export const requestSyncRunSchema = z.strictObject({
  endpoints: z.array(zRefId, "Expected a list of PDM endpoint ids.").max(1000).optional(),
});

export const syncRunListSpec: ListSpec = {
  id: syncRuns.id,
  filters: {
    id: { expr: syncRuns.id, kind: "int" },
    status: { expr: syncRuns.status, kind: "enum", values: SYNC_RUN_STATUSES },
    trigger: { expr: syncRuns.trigger, kind: "enum", values: SYNC_TRIGGERS },
    requested_by_id: { expr: syncRuns.requestedById, kind: "fk" },
    branch: { expr: syncRuns.branchName, kind: "string" },
    queued_at: { expr: syncRuns.created, kind: "datetime" },
    started_at: { expr: syncRuns.startedAt, kind: "datetime" },
    finished_at: { expr: syncRuns.finishedAt, kind: "datetime" },
  },
  ordering: { id: syncRuns.id, status: syncRuns.status, queued_at: syncRuns.created, started_at: syncRuns.startedAt, finished_at: syncRuns.finishedAt },
  defaultOrdering: ["-id"],
  search: [syncRuns.requestedByName, syncRuns.error],
};

/** Where the Inngest dashboard shows a run (dev server, self-hosted, or Inngest Cloud). */
export function inngestRunUrl(runId: string | null): string | null {
  if (!runId) return null;
  const env = getEnv();
  if (env.INNGEST_DASHBOARD_URL) return env.INNGEST_DASHBOARD_URL.replace("{run_id}", encodeURIComponent(runId));
  if (env.INNGEST_BASE_URL) return `${env.INNGEST_BASE_URL.replace(/\/$/, "")}/run?runID=${encodeURIComponent(runId)}`;
  if (env.INNGEST_DEV) {
    const base = /^https?:\/\//.test(env.INNGEST_DEV) ? env.INNGEST_DEV.replace(/\/$/, "") : "http://localhost:8288";
    return `${base}/run?runID=${encodeURIComponent(runId)}`;
  }
  return `https://app.inngest.com/env/production/runs/${encodeURIComponent(runId)}`;
}

/** A branching run's counts are what it proposed until its branch is merged (at run time or later). */
export function countsApplied(r: Pick<SyncRun, "branchName" | "mergeOutcome">): boolean {
  return r.branchName === null || /^merged\b/.test(r.mergeOutcome ?? "");
}

function warningsOf(endpoints: SyncRunEndpointResult[]): string[] {
  return endpoints
    .filter((e) => (e.unreachable ?? 0) > 0)
    .map((e) => `${e.name}: ${e.unreachable} remote${e.unreachable === 1 ? "" : "s"} unreachable`);
}

function toRecord(r: SyncRun, requester: string | undefined): SyncRunRecord {
  const endpoints = r.endpoints.map((e) => ({ ...e, unreachable: e.unreachable ?? 0 }));
  return {
    id: r.id,
    display: `Sync run #${r.id}`,
    status: r.status,
    trigger: r.trigger,
    requested_by: r.requestedById === null ? null : { id: r.requestedById, name: requester ?? r.requestedByName, display: requester ?? r.requestedByName },
    requested_by_name: r.requestedByName,
    requested_endpoints: r.requestedEndpointIds ?? null,
    endpoints,
    created: r.createdCount,
    updated: r.updatedCount,
    deleted: r.deletedCount,
    unchanged: r.unchangedCount,
    unreachable: endpoints.reduce((n, e) => n + e.unreachable, 0),
    warnings: warningsOf(endpoints),
    counts_applied: countsApplied(r),
    progress: r.progress ?? null,
    branch: r.branchName,
    merge_outcome: r.mergeOutcome,
    error: r.error,
    engine: r.engine,
    inngest_run_id: r.inngestRunId,
    inngest_url: r.engine === "inngest" ? inngestRunUrl(r.inngestRunId) : null,
    queued_at: r.created,
    started_at: r.startedAt,
    finished_at: r.finishedAt,
    duration_seconds: r.startedAt && r.finishedAt ? (r.finishedAt.getTime() - r.startedAt.getTime()) / 1000 : null,
  };
}

async function hydrate(db: Executor, rows: SyncRun[]): Promise<SyncRunRecord[]> {
  const ids = [...new Set(rows.map((r) => r.requestedById).filter((i): i is number => i !== null))];
  const names = ids.length ? await db.select({ id: users.id, username: users.username }).from(users).where(inArray(users.id, ids)) : [];
  const byId = new Map(names.map((n) => [n.id, n.username]));
  return rows.map((r) => toRecord(r, r.requestedById === null ? undefined : byId.get(r.requestedById)));
}

export async function listSyncRuns(ctx: ServiceContext, input: ListInput = {}): Promise<Page<SyncRunRecord>> {
  authorize(ctx.actor, "inventory.read");
  const where = buildWhere(syncRunListSpec, input);
  const limit = clampLimit(input.limit);
  const offset = Math.max(0, input.offset ?? 0);
  const [totals, rows] = await Promise.all([
    ctx.db.select({ n: count() }).from(syncRuns).where(where),
    ctx.db.select().from(syncRuns).where(where).orderBy(...buildOrderBy(syncRunListSpec, input.ordering)).limit(limit).offset(offset),
  ]);
  return { count: Number(totals[0]?.n ?? 0), limit, offset, results: await hydrate(ctx.db, rows) };
}

export async function getSyncRun(ctx: ServiceContext, id: number): Promise<SyncRunRecord & { steps: SyncRunStepRecord[] }> {
  authorize(ctx.actor, "inventory.read");
  const [row] = isRowId(id) ? await ctx.db.select().from(syncRuns).where(eq(syncRuns.id, id)) : [];
  if (!row) throw new NotFoundError("sync run", id);
  const [rec] = await hydrate(ctx.db, [row]);
  const steps = await ctx.db.select().from(syncRunSteps).where(eq(syncRunSteps.syncRunId, id)).orderBy(syncRunSteps.startedAt, syncRunSteps.id);
  return {
    ...rec!,
    steps: steps.map((s) => ({
      step_id: s.stepId,
      status: s.status,
      ...stepOutcome(s),
      attempts: s.attempts,
      error: s.error,
      started_at: s.startedAt,
      finished_at: s.finishedAt,
    })),
  };
}

/**
 * What a step found, from its recorded output: a fetch or reconcile step runs to its end when its
 * endpoint fails (an endpoint's failure is its outcome, not an error for the engine to retry), so
 * "succeeded" alone would hide it.
 */
export function stepOutcome(s: Pick<SyncRunStep, "stepId" | "status" | "output" | "error">): { outcome: StepOutcome; detail: string | null } {
  if (s.status !== "succeeded") return { outcome: s.status === "failed" ? "failed" : "running", detail: s.error };
  const out = (s.output && typeof s.output === "object" ? s.output : {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" && v ? v : null);
  if (s.stepId.startsWith("fetch-endpoint-")) {
    if (out.ok === false) return { outcome: "failed", detail: text(out.error) };
    const unreachable = typeof out.unreachable === "number" ? out.unreachable : 0;
    if (unreachable > 0) return { outcome: "warning", detail: `${unreachable} of ${String(out.remotes)} remotes unreachable` };
  } else if (s.stepId.startsWith("reconcile-endpoint-") || s.stepId.startsWith("branch-endpoint-")) {
    if (out.outcome === "failed" || out.outcome === "skipped") return { outcome: out.outcome, detail: text(out.error) };
    const unreachable = typeof out.unreachable === "number" ? out.unreachable : 0;
    if (unreachable > 0) return { outcome: "warning", detail: `${unreachable} remote${unreachable === 1 ? "" : "s"} unreachable` };
  } else if (s.stepId === "merge-branch") {
    if (out.outcome === "left_open") return { outcome: "left_open", detail: `${String(out.conflicts)} conflicting objects: nothing applied` };
  } else if (s.stepId === "finish" && typeof s.output === "string") {
    const status = s.output as SyncRunStatus;
    if (status === "failed" || status === "skipped" || status === "left_open") return { outcome: status, detail: null };
    if (status === "partial") return { outcome: "warning", detail: "some endpoints failed" };
  }
  return { outcome: "succeeded", detail: null };
}

/** The newest runs, for the dashboard. */
export async function recentSyncRuns(ctx: ServiceContext, limit = 10): Promise<SyncRunRecord[]> {
  authorize(ctx.actor, "inventory.read");
  const rows = await ctx.db.select().from(syncRuns).orderBy(desc(syncRuns.id)).limit(limit);
  return hydrate(ctx.db, rows);
}

/**
 * Records a queued run (SPEC §4). The caller hands its id to the workflow engine
 * (inngest/dispatch.ts). `endpoints` narrows the run; unknown ids are a field error.
 */
export async function createSyncRun(ctx: ServiceContext, input: unknown, trigger: SyncTrigger): Promise<SyncRunRecord> {
  authorize(ctx.actor, "sync.run");
  // Only an absent body means "every enabled endpoint"; a JSON null is not an object (SPEC §6).
  const parsed = parseInput(requestSyncRunSchema, input === undefined ? {} : input);
  const endpointIds = parsed.endpoints as number[] | undefined;
  const errors: FieldErrors = {};
  await checkRefsExist(ctx, errors, { table: pdmEndpoints, idColumn: pdmEndpoints.id, ids: endpointIds, field: "endpoints", label: "PDM endpoint" });
  if (endpointIds && endpointIds.length === 0) addFieldError(errors, "endpoints", "Name at least one endpoint, or leave the field out to sync every enabled endpoint.");
  if (Object.keys(errors).length) throw new ValidationError(errors);
  const [row] = await ctx.db
    .insert(syncRuns)
    .values({
      trigger,
      requestedById: ctx.actor.userId,
      requestedByName: ctx.actor.kind === "system" ? "schedule" : ctx.actor.username,
      requestedEndpointIds: endpointIds ? [...new Set(endpointIds)] : null,
      engine: workflowEngineMode(),
      progress: { currentStep: null, endpointsDone: 0, endpointsTotal: 0, remotesFetched: 0, remotesTotal: 0 },
    })
    .returning();
  return (await hydrate(ctx.db, [row!]))[0]!;
}

// ---- Internal transitions, used by the workflow (no permission checks: the run was authorized when requested).

export async function loadRun(db: Executor, id: number): Promise<SyncRun> {
  const [row] = await db.select().from(syncRuns).where(eq(syncRuns.id, id));
  if (!row) throw new NotFoundError("sync run", id);
  return row;
}

/**
 * A run still `running` this long after it started was lost by its engine (say, a dev server
 * restarted without --persist): the next run that needs the inventory fails it instead of waiting.
 */
export const LOST_RUN_AFTER_MS = 60 * 60_000;
/** Any constant: the key of the advisory lock under which runs take their turns. */
const RUN_TURN_LOCK_KEY = 7_261_843_911;

/**
 * Marks the run started if it is its turn, and returns null; or, while another run is under way,
 * changes nothing and returns that run's id (the caller waits and asks again). Runs never overlap
 * (SPEC §4), yet an engine may start one while another is running: Inngest's concurrency key
 * limits steps, not runs, so two runs' steps interleave.
 */
export async function markRunStarted(db: Db, id: number, fields: { inngestRunId?: string | null; endpointsTotal: number }): Promise<number | null> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${RUN_TURN_LOCK_KEY}::bigint)`);
    const others = await tx
      .select({ id: syncRuns.id, startedAt: syncRuns.startedAt })
      .from(syncRuns)
      .where(and(eq(syncRuns.status, "running"), ne(syncRuns.id, id)))
      .orderBy(asc(syncRuns.id));
    const now = Date.now();
    const live = others.find((o) => !o.startedAt || now - o.startedAt.getTime() < LOST_RUN_AFTER_MS);
    if (live) return live.id;
    for (const lost of others) {
      await tx.delete(syncRunFetches).where(eq(syncRunFetches.syncRunId, lost.id));
      await finishRunRecord(tx, lost.id, { status: "failed", error: `Still running an hour after it started: its workflow engine lost it, so sync run #${id} ended it to take its turn.` });
    }
    await tx
      .update(syncRuns)
      .set({
        status: "running",
        startedAt: sql`coalesce(${syncRuns.startedAt}, now())`,
        ...(fields.inngestRunId ? { inngestRunId: fields.inngestRunId } : {}),
        progress: sql`jsonb_set(coalesce(${syncRuns.progress}, '{}'::jsonb), '{endpointsTotal}', to_jsonb(${fields.endpointsTotal}::int))`,
      })
      .where(eq(syncRuns.id, id));
    return null;
  });
}

/** Atomic progress counters: parallel fetch steps update the same run. */
export async function bumpProgress(db: Executor, id: number, delta: { remotesFetched?: number; remotesTotal?: number; endpointsDone?: number }, currentStep?: string): Promise<void> {
  let expr = sql`coalesce(${syncRuns.progress}, '{}'::jsonb)`;
  for (const [k, v] of Object.entries(delta)) {
    if (!v) continue;
    expr = sql`jsonb_set(${expr}, ${`{${k}}`}::text[], to_jsonb(coalesce((${expr}->>${k})::int, 0) + ${v}::int))`;
  }
  if (currentStep !== undefined) expr = sql`jsonb_set(${expr}, '{currentStep}', to_jsonb(${currentStep}::text))`;
  await db.update(syncRuns).set({ progress: expr }).where(eq(syncRuns.id, id));
}

/** Records one endpoint's outcome (idempotent: a retried step finds it and keeps the first). */
export async function recordEndpointResult(db: Executor, id: number, result: SyncRunEndpointResult): Promise<void> {
  await db
    .update(syncRuns)
    .set({
      endpoints: sql`${syncRuns.endpoints} || ${JSON.stringify([result])}::jsonb`,
      createdCount: sql`${syncRuns.createdCount} + ${result.created}`,
      updatedCount: sql`${syncRuns.updatedCount} + ${result.updated}`,
      deletedCount: sql`${syncRuns.deletedCount} + ${result.deleted}`,
      unchangedCount: sql`${syncRuns.unchangedCount} + ${result.unchanged}`,
    })
    .where(and(eq(syncRuns.id, id), sql`not exists (select 1 from jsonb_array_elements(${syncRuns.endpoints}) e where (e->>'id')::int = ${result.id})`));
}

export async function endpointResultOf(db: Executor, id: number, endpointId: number): Promise<SyncRunEndpointResult | null> {
  const run = await loadRun(db, id);
  return run.endpoints.find((e) => e.id === endpointId) ?? null;
}

/** The terminal status, written last (SPEC §4). */
export async function finishRunRecord(db: Executor, id: number, fields: { status: SyncRunStatus; error?: string | null; branchName?: string | null; mergeOutcome?: string | null }): Promise<void> {
  await db
    .update(syncRuns)
    .set({
      status: fields.status,
      error: fields.error ?? null,
      finishedAt: new Date(),
      startedAt: sql`coalesce(${syncRuns.startedAt}, now())`,
      progress: sql`jsonb_set(coalesce(${syncRuns.progress}, '{}'::jsonb), '{currentStep}', 'null'::jsonb)`,
      ...(fields.branchName !== undefined ? { branchName: fields.branchName } : {}),
      ...(fields.mergeOutcome !== undefined ? { mergeOutcome: fields.mergeOutcome } : {}),
    })
    .where(eq(syncRuns.id, id));
}
