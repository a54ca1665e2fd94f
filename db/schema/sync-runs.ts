import { boolean, index, integer, json, jsonb, pgEnum, pgTable, text, unique, varchar } from "drizzle-orm/pg-core";
import { createdColumn, idColumn, tsColumn } from "./columns";
import { pdmEndpoints } from "./pdm";
import { users } from "./users";

export const SYNC_RUN_STATUSES = ["queued", "running", "succeeded", "partial", "failed", "skipped", "left_open"] as const;
export type SyncRunStatus = (typeof SYNC_RUN_STATUSES)[number];
export const TERMINAL_SYNC_RUN_STATUSES: readonly SyncRunStatus[] = ["succeeded", "partial", "failed", "skipped", "left_open"];
export const SYNC_TRIGGERS = ["ui", "api", "schedule"] as const;
export type SyncTrigger = (typeof SYNC_TRIGGERS)[number];
export const STEP_STATUSES = ["running", "succeeded", "failed"] as const;

export const syncRunStatusEnum = pgEnum("sync_run_status", SYNC_RUN_STATUSES);
export const syncTriggerEnum = pgEnum("sync_trigger", SYNC_TRIGGERS);
export const stepStatusEnum = pgEnum("step_status", STEP_STATUSES);

/** Per-endpoint outcome of a run (SPEC §4). */
export interface SyncRunEndpointResult {
  id: number;
  name: string;
  outcome: "succeeded" | "failed" | "skipped";
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  /** Remotes PDM listed but could not reach (kept, marked unreachable); absent in runs recorded before it was counted. */
  unreachable?: number;
  error: string | null;
}

/** Live progress shown while a run is under way. */
export interface SyncRunProgress {
  currentStep: string | null;
  endpointsDone: number;
  endpointsTotal: number;
  remotesFetched: number;
  remotesTotal: number;
}

// SPEC §4: one recorded execution of the sync workflow.
export const syncRuns = pgTable(
  "sync_runs",
  {
    id: idColumn(),
    status: syncRunStatusEnum("status").notNull().default("queued"),
    trigger: syncTriggerEnum("trigger").notNull(),
    requestedById: integer("requested_by_id").references(() => users.id, { onDelete: "set null" }),
    requestedByName: varchar("requested_by_name", { length: 150 }).notNull().default(""),
    // null = every enabled endpoint at the time the run starts.
    requestedEndpointIds: jsonb("requested_endpoint_ids").$type<number[] | null>(),
    endpoints: jsonb("endpoints").$type<SyncRunEndpointResult[]>().notNull().default([]),
    createdCount: integer("created_count").notNull().default(0),
    updatedCount: integer("updated_count").notNull().default(0),
    deletedCount: integer("deleted_count").notNull().default(0),
    unchangedCount: integer("unchanged_count").notNull().default(0),
    progress: jsonb("progress").$type<SyncRunProgress | null>(),
    branchName: varchar("branch_name", { length: 200 }),
    mergeOutcome: text("merge_outcome"),
    error: text("error"),
    inngestRunId: varchar("inngest_run_id", { length: 100 }),
    engine: varchar("engine", { length: 20 }).notNull().default("embedded"),
    created: createdColumn(),
    startedAt: tsColumn("started_at"),
    finishedAt: tsColumn("finished_at"),
  },
  (t) => [index("sync_runs_status_idx").on(t.status), index("sync_runs_created_idx").on(t.created)],
);

// Each durable step of a run, as the embedded runner (or the Inngest callbacks) recorded it.
export const syncRunSteps = pgTable(
  "sync_run_steps",
  {
    id: idColumn(),
    syncRunId: integer("sync_run_id")
      .notNull()
      .references(() => syncRuns.id, { onDelete: "cascade" }),
    stepId: varchar("step_id", { length: 200 }).notNull(),
    status: stepStatusEnum("status").notNull(),
    attempts: integer("attempts").notNull().default(0),
    output: jsonb("output"),
    error: text("error"),
    startedAt: tsColumn("started_at").notNull().defaultNow(),
    finishedAt: tsColumn("finished_at"),
  },
  (t) => [unique("sync_run_steps_run_step_key").on(t.syncRunId, t.stepId)],
);

export type SyncRun = typeof syncRuns.$inferSelect;
export type NewSyncRun = typeof syncRuns.$inferInsert;
export type SyncRunStep = typeof syncRunSteps.$inferSelect;

/**
 * What a run fetched from one endpoint, staged between the fetch step and the reconcile step:
 * steps return ids and counts, never the fetched data (Inngest step-output limits).
 */
export const syncRunFetches = pgTable(
  "sync_run_fetches",
  {
    id: idColumn(),
    syncRunId: integer("sync_run_id")
      .notNull()
      .references(() => syncRuns.id, { onDelete: "cascade" }),
    pdmEndpointId: integer("pdm_endpoint_id")
      .notNull()
      .references(() => pdmEndpoints.id, { onDelete: "cascade" }),
    ok: boolean("ok").notNull(),
    error: text("error"),
    pdmVersion: varchar("pdm_version", { length: 64 }),
    remotes: json("remotes"),
    fetchedAt: tsColumn("fetched_at").notNull().defaultNow(),
  },
  (t) => [unique("sync_run_fetches_run_endpoint_key").on(t.syncRunId, t.pdmEndpointId)],
);

export type SyncRunFetch = typeof syncRunFetches.$inferSelect;

export const BRANCH_STATUSES = ["open", "merged", "discarded"] as const;
export type BranchStatus = (typeof BRANCH_STATUSES)[number];
export const branchStatusEnum = pgEnum("branch_status", BRANCH_STATUSES);

/** A conflict or collision as stored for listing (the full diff is recomputed from Git). */
export interface BranchConflictSummary {
  path: string;
  identity: string;
  action: "create" | "update" | "delete";
  fields: string[];
  collision: boolean;
}

// SPEC §5: a sync run's Git branch. Merged and discarded branches stay listed with their outcome;
// a run that changes nothing deletes its branch and leaves no row here.
export const branches = pgTable(
  "branches",
  {
    id: idColumn(),
    name: varchar("name", { length: 200 }).notNull().unique("branches_name_key"),
    syncRunId: integer("sync_run_id").references(() => syncRuns.id, { onDelete: "set null" }),
    status: branchStatusEnum("status").notNull().default("open"),
    baseOid: varchar("base_oid", { length: 40 }).notNull(),
    headOid: varchar("head_oid", { length: 40 }),
    /** Set in the same transaction as the merged changes: the source of truth after a crash. */
    mergeOid: varchar("merge_oid", { length: 40 }),
    conflicts: jsonb("conflicts").$type<BranchConflictSummary[]>().notNull().default([]),
    createdCount: integer("created_count").notNull().default(0),
    updatedCount: integer("updated_count").notNull().default(0),
    deletedCount: integer("deleted_count").notNull().default(0),
    created: createdColumn(),
    mergedAt: tsColumn("merged_at"),
    mergedByName: varchar("merged_by_name", { length: 150 }),
    discardedAt: tsColumn("discarded_at"),
    discardedByName: varchar("discarded_by_name", { length: 150 }),
  },
  (t) => [index("branches_status_idx").on(t.status), index("branches_sync_run_idx").on(t.syncRunId)],
);

export type Branch = typeof branches.$inferSelect;
