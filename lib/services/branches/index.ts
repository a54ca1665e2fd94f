import { and, count, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Db, Executor } from "@/db/client";
import { BRANCH_STATUSES, branches, syncRuns, TERMINAL_SYNC_RUN_STATUSES, type Branch, type BranchConflictSummary } from "@/db/schema";
import { authorize } from "@/lib/auth/permissions";
import { AppError, NotFoundError } from "@/lib/errors";
import { commitMerge, diff3, prepareMerge, type ConflictPolicy, type JsonObject, type ObjectDiff, type PreparedMerge } from "@/lib/git";
import type { ServiceContext } from "../context";
import { parseInput } from "../crud";
import { buildOrderBy, buildWhere, clampLimit, type ListInput, type ListSpec, type Page } from "../list";
import { applyMergePlan } from "./apply";
import { authorOf, commitInventoryToMain, inventoryAsMain } from "./main-line";
import { describeChanges, ENDPOINTS_DIR, inventoryStore, remoteDir, withGitLock } from "./snapshot";

// SPEC §5: every sync run's changes as a Git branch — merged at once when nothing conflicts, or
// left open for review. A branch is always compared with the inventory as it is: a merge commits
// the database edits made since main's last commit first (main-line.ts), a review compares with
// them in memory. A merge is written as a commit object first, then applied to the database
// together with the record of that commit, then main is advanced: a crash in between leaves the
// branch open or the merge complete, never half of it (recoverMerges rolls main forward).

const conflictSummarySchema = z.object({
  path: z.string(),
  identity: z.string(),
  action: z.enum(["create", "update", "delete"]),
  fields: z.array(z.string()),
  collision: z.boolean(),
});

/** A branch as the API and the UI show it (the OpenAPI document is generated from this). */
export const branchRecordSchema = z.object({
  id: z.number().int(),
  display: z.string(),
  name: z.string(),
  status: z.enum(BRANCH_STATUSES),
  sync_run: z.object({ id: z.number().int(), display: z.string() }).nullable(),
  base: z.string().describe("The commit on main the branch started from"),
  head: z.string().nullable(),
  merge_commit: z.string().nullable(),
  created: z.number().int().describe("Objects the branch creates"),
  updated: z.number().int().describe("Objects the branch changes"),
  deleted: z.number().int().describe("Objects the branch deletes"),
  conflicts: z.array(conflictSummarySchema),
  conflict_count: z.number().int(),
  created_at: z.date(),
  merged_at: z.date().nullable(),
  merged_by: z.string().nullable(),
  discarded_at: z.date().nullable(),
  discarded_by: z.string().nullable(),
});
export type BranchRecord = z.infer<typeof branchRecordSchema>;

/** One object of a branch's diff: per field the base, branch and current-main values. */
export const branchDiffEntrySchema = z.object({
  identity: z.string(),
  kind: z.enum(["pdm-endpoint", "pdm-remote"]),
  action: z.enum(["create", "update", "delete"]),
  path: z.string(),
  name: z.string(),
  id: z.number().int().nullable(),
  fields: z.array(
    z.object({
      field: z.string(),
      base: z.unknown(),
      branch: z.unknown(),
      main: z.unknown(),
      branch_changed: z.boolean().describe("The run found this value in PDM (the branch changed it from the base)"),
      main_changed: z.boolean().describe("Changed on main since the base: an edit made while the run was under way, or after it"),
      conflict: z.boolean(),
    }),
  ),
  conflicts: z.array(z.string()),
  collision: z.object({ path: z.string() }).nullable(),
  main_exists: z.boolean().describe("Whether main (now, or just before the merge) still has the object"),
});
export type BranchDiffEntry = z.infer<typeof branchDiffEntrySchema>;
export const branchDetailSchema = branchRecordSchema.extend({ diff: z.array(branchDiffEntrySchema) });

export const branchListSpec: ListSpec = {
  id: branches.id,
  filters: {
    id: { expr: branches.id, kind: "int" },
    name: { expr: branches.name, kind: "string" },
    status: { expr: branches.status, kind: "enum", values: BRANCH_STATUSES },
    sync_run_id: { expr: branches.syncRunId, kind: "fk" },
  },
  ordering: { id: branches.id, name: branches.name, status: branches.status, created: branches.created },
  defaultOrdering: ["-id"],
  search: [branches.name],
};

export const mergeBranchSchema = z.strictObject({ acknowledge_conflicts: z.boolean("Expected a boolean.").optional() });

function toRecord(b: Branch): BranchRecord {
  return {
    id: b.id,
    display: b.name,
    name: b.name,
    status: b.status,
    sync_run: b.syncRunId === null ? null : { id: b.syncRunId, display: `Sync run #${b.syncRunId}` },
    base: b.baseOid,
    head: b.headOid,
    merge_commit: b.mergeOid,
    created: b.createdCount,
    updated: b.updatedCount,
    deleted: b.deletedCount,
    conflicts: b.conflicts,
    conflict_count: b.conflicts.length,
    created_at: b.created,
    merged_at: b.mergedAt,
    merged_by: b.mergedByName,
    discarded_at: b.discardedAt,
    discarded_by: b.discardedByName,
  };
}

/** Tests only: throw at a point of a merge, as a crash there would stop it. */
export type MergeFault = "after-commit-object" | "after-database" | null;
let mergeFault: MergeFault = null;
export function setMergeFaultForTests(f: MergeFault): void {
  mergeFault = f;
}

/** Starts a run's branch from main (brought up to date first): SPEC §5 step 1. */
export async function createRunBranch(ctx: ServiceContext, runId: number, prefix: string): Promise<{ name: string; base: string }> {
  return withGitLock(async () => {
    const name = `${prefix}-${runId}`;
    const [existing] = await ctx.db.select().from(branches).where(eq(branches.name, name));
    if (existing) return { name, base: existing.baseOid }; // a retried step
    await commitInventoryToMain(ctx, "Inventory edits before sync run");
    const store = await inventoryStore();
    await store.deleteBranch(name); // a ref left behind by a crash before the row was written
    const base = await store.createBranch(name, "main");
    await ctx.db.insert(branches).values({ name, syncRunId: runId, baseOid: base, headOid: base });
    await ctx.db.update(syncRuns).set({ branchName: name }).where(eq(syncRuns.id, runId));
    return { name, base };
  });
}

/**
 * One endpoint and its remotes as the branch's base has them (main when the run started): what
 * a run's branch is built on, so that it reports what the run found in PDM and nothing a person
 * changed meanwhile (SPEC §5's base rule).
 */
export async function endpointAtBase(
  db: Executor,
  branch: string,
  endpointId: number,
): Promise<{ path: string; name: string; object: JsonObject; remotes: Map<number, JsonObject> } | null> {
  const b = await loadBranch(db, branch);
  const store = await inventoryStore();
  const files = await store.listFiles(b.baseOid);
  const endpointFiles = [...files].filter(([p]) => p.startsWith(`${ENDPOINTS_DIR}/`));
  const endpoints = await store.readBlobs(endpointFiles.map(([, oid]) => oid));
  const found = endpointFiles.find(([, oid]) => endpoints.get(oid)?.id === endpointId);
  if (!found) return null;
  const object = endpoints.get(found[1])!;
  const name = String(object.name);
  const dir = remoteDir(name);
  const remoteFiles = [...files].filter(([p]) => p.startsWith(dir));
  const blobs = await store.readBlobs(remoteFiles.map(([, oid]) => oid));
  const remotes = new Map<number, JsonObject>();
  for (const [, oid] of remoteFiles) {
    const o = blobs.get(oid)!;
    if (typeof o.id === "number") remotes.set(o.id, o);
  }
  return { path: found[0], name, object, remotes };
}

/** Writes an endpoint's would-be state to the run's branch: SPEC §5 step 2. */
export async function commitToBranch(
  name: string,
  change: { put: Map<string, JsonObject>; removeUnder?: string; keep?: Set<string>; message: string },
): Promise<void> {
  await withGitLock(async () => {
    const store = await inventoryStore();
    const remove = change.removeUnder ? [...(await store.listFiles(name)).keys()].filter((p) => p.startsWith(change.removeUnder!) && !change.put.has(p) && !change.keep?.has(p)) : [];
    await store.writeSnapshot({ ref: name, put: change.put, remove, message: change.message });
  });
}

/** What a merge does to main, as paths (for its commit message). */
function mergeSummary(p: PreparedMerge): { added: string[]; modified: string[]; removed: string[] } {
  return {
    added: p.plan.filter((e) => e.action === "create").map((e) => e.path),
    modified: p.plan.filter((e) => e.action === "update").map((e) => e.path),
    removed: p.plan.filter((e) => e.action === "delete").map((e) => e.path),
  };
}

function summarize(diffs: ObjectDiff[]): BranchConflictSummary[] {
  return diffs
    .filter((d) => d.conflicts.length || d.collision)
    .map((d) => ({ path: d.path, identity: d.identity, action: d.action, fields: d.conflicts, collision: d.collision !== null }));
}

async function loadBranch(db: Executor, name: string): Promise<Branch> {
  // Names are Git ref components: anything else (a NUL, a slash, 200+ characters) names no branch.
  if (!name || name.length > 200 || /[\x00-\x1f\x7f/]/.test(name)) throw new NotFoundError("branch", JSON.stringify(name));
  const [b] = await db.select().from(branches).where(eq(branches.name, name));
  if (!b) throw new NotFoundError("branch", name);
  return b;
}

export interface MergeOutcome {
  outcome: "no_changes" | "merged" | "left_open";
  conflicts: number;
  collisions: number;
  applied: { created: number; updated: number; deleted: number };
}

/**
 * Merges a branch into main and the database (SPEC §5 steps 3-5), under the Git lock:
 * `abort` leaves it open when anything conflicts; `overwrite` lets the branch win.
 */
export async function mergeBranch(ctx: ServiceContext, name: string, policy: ConflictPolicy, opts: { deleteIfEmpty?: boolean } = {}): Promise<MergeOutcome> {
  return withGitLock(async () => {
    const b = await loadBranch(ctx.db, name);
    if (b.status !== "open") throw new AppError("bad_request", `Branch ${name} is ${b.status}, not open.`);
    const store = await inventoryStore();
    const head = await store.resolve(name);
    if (!head) throw new AppError("bad_request", `Branch ${name} no longer exists in the repository.`);
    const none = { outcome: "no_changes" as const, conflicts: 0, collisions: 0, applied: { created: 0, updated: 0, deleted: 0 } };
    if (head === b.baseOid && opts.deleteIfEmpty) {
      // A run that changes nothing deletes its branch: never listed (SPEC §5 step 3).
      await store.deleteBranch(name);
      await ctx.db.delete(branches).where(eq(branches.id, b.id));
      return none;
    }
    await commitInventoryToMain(ctx, `Inventory edits before merging ${name}`);
    const prepared: PreparedMerge = await prepareMerge(store, { base: b.baseOid, branch: name, policy, message: "", commit: false });
    const counts = {
      createdCount: prepared.diffs.filter((d) => d.action === "create").length,
      updatedCount: prepared.diffs.filter((d) => d.action === "update").length,
      deletedCount: prepared.diffs.filter((d) => d.action === "delete").length,
    };
    const conflicts = summarize(prepared.diffs);
    if (prepared.blocked) {
      await ctx.db.update(branches).set({ ...counts, headOid: head, conflicts }).where(eq(branches.id, b.id));
      return { outcome: "left_open", conflicts: prepared.conflicts.length, collisions: prepared.collisions.length, applied: none.applied };
    }
    const overwritten = prepared.conflicts.length + prepared.collisions.length;
    // The database change, the merge commit (written with the ids created objects received) and
    // its record on the branch row commit together; main moves only afterwards.
    const { applied, mergeOid } = await (ctx.db as Db).transaction(async (tx) => {
      const txCtx = { ...ctx, db: tx, inTransaction: true };
      const { createdIds, ...result } = await applyMergePlan(txCtx, prepared.plan);
      const oid = await commitMerge(store, prepared, {
        message: `Merge ${name}: ${describeChanges(mergeSummary(prepared))}${overwritten ? ` (${overwritten} conflict${overwritten === 1 ? "" : "s"} overwritten)` : ""}`,
        author: authorOf(ctx),
        ids: createdIds,
      });
      if (mergeFault === "after-commit-object") throw new Error("injected fault: after the merge commit object was written");
      await tx
        .update(branches)
        .set({ ...counts, headOid: head, conflicts, status: "merged", mergeOid: oid, mergedAt: new Date(), mergedByName: ctx.actor.kind === "sync" ? `sync run #${ctx.syncRunId}` : ctx.actor.username })
        .where(and(eq(branches.id, b.id), eq(branches.status, "open")));
      return { applied: result, mergeOid: oid };
    });
    if (mergeFault === "after-database") throw new Error("injected fault: after the database was updated");
    await store.advanceRef("main", mergeOid, prepared.mainOid);
    return { outcome: "merged", conflicts: prepared.conflicts.length, collisions: prepared.collisions.length, applied };
  });
}

// ---- Review: list, diff, merge (acknowledging conflicts), discard.

export async function listBranches(ctx: ServiceContext, input: ListInput = {}): Promise<Page<BranchRecord>> {
  authorize(ctx.actor, "inventory.read");
  const where = buildWhere(branchListSpec, input);
  const limit = clampLimit(input.limit);
  const offset = Math.max(0, input.offset ?? 0);
  const [totals, rows] = await Promise.all([
    ctx.db.select({ n: count() }).from(branches).where(where),
    ctx.db.select().from(branches).where(where).orderBy(...buildOrderBy(branchListSpec, input.ordering)).limit(limit).offset(offset),
  ]);
  return { count: Number(totals[0]?.n ?? 0), limit, offset, results: rows.map(toRecord) };
}

export async function getBranch(ctx: ServiceContext, name: string): Promise<BranchRecord> {
  authorize(ctx.actor, "inventory.read");
  return toRecord(await loadBranch(ctx.db, name));
}

const kindOf = (path: string): BranchDiffEntry["kind"] => (path.startsWith("pdm-endpoints/") ? "pdm-endpoint" : "pdm-remote");

function toDiffEntry(d: ObjectDiff): BranchDiffEntry {
  const obj = d.branch ?? d.base ?? d.main ?? {};
  // The branch's side is what the run found in PDM; main's side is what people changed since
  // the base. Both are shown for an object the branch changes (netbox-branching's altered_fields).
  const mainFields = d.action === "update" && d.main ? d.mainChangedFields : [];
  const fields = [...new Set([...d.changedFields, ...mainFields, ...d.conflicts])].sort().map((f) => ({
    field: f,
    base: d.base?.[f] ?? null,
    branch: d.branch?.[f] ?? null,
    main: d.main?.[f] ?? null,
    branch_changed: d.changedFields.includes(f),
    main_changed: d.mainChangedFields.includes(f),
    conflict: d.conflicts.includes(f),
  }));
  return {
    identity: d.identity,
    kind: kindOf(d.path),
    action: d.action,
    path: d.path,
    name: String(obj.name ?? d.path),
    id: typeof (d.base?.id ?? d.main?.id) === "number" ? ((d.base?.id ?? d.main?.id) as number) : null,
    fields,
    conflicts: d.conflicts,
    collision: d.collision ? { path: d.collision.path } : null,
    main_exists: d.main !== null,
  };
}

/** The diff a reviewer reads: per object, base / branch / current-main values (SPEC §5). */
export async function branchDiff(ctx: ServiceContext, name: string): Promise<{ branch: BranchRecord; entries: BranchDiffEntry[] }> {
  authorize(ctx.actor, "inventory.read");
  const b = await loadBranch(ctx.db, name);
  const store = await inventoryStore();
  const head = (await store.resolve(name)) ?? b.headOid ?? b.baseOid;
  // An open branch is compared with main as the database holds it now (edits since main's last
  // commit included), computed in memory: a read writes no commit. A merged one with main as it
  // was just before its merge.
  const against = b.status === "open" ? await inventoryAsMain(ctx.db) : b.status === "merged" && b.mergeOid ? ((await store.log(b.mergeOid, 1))[0]?.parents[0] ?? "main") : "main";
  const diffs = await diff3(store, { base: b.baseOid, branch: head, main: against });
  return { branch: toRecord(b), entries: diffs.map(toDiffEntry) };
}

/** Merges an open branch later (SPEC §5): conflicts must be acknowledged (= overwrite). */
export async function mergeOpenBranch(ctx: ServiceContext, name: string, input: unknown): Promise<BranchRecord & { applied?: MergeOutcome["applied"] }> {
  authorize(ctx.actor, "branch.merge");
  const { acknowledge_conflicts: ack } = parseInput(mergeBranchSchema, input === undefined ? {} : input) as { acknowledge_conflicts?: boolean };
  const b = await loadBranch(ctx.db, name);
  if (b.status !== "open") throw new AppError("bad_request", `Branch ${name} is ${b.status}; only open branches can be merged.`);
  await assertRunFinished(ctx.db, b);
  // The changes the merge applies are the run's, applied by this person: their change-log entries
  // carry both (SPEC §7), and the run's page lists them.
  const mergeCtx: ServiceContext = b.syncRunId ? { ...ctx, syncRunId: b.syncRunId } : ctx;
  const result = await mergeBranch(mergeCtx, name, ack ? "overwrite" : "abort");
  if (result.outcome === "left_open") {
    const fresh = await loadBranch(ctx.db, name);
    throw new AppError("conflict", "All conflicts must be acknowledged before this branch can be merged.", {
      details: { conflicts: fresh.conflicts },
    });
  }
  if (b.syncRunId) await ctx.db.update(syncRuns).set({ mergeOutcome: `merged by ${ctx.actor.username}` }).where(eq(syncRuns.id, b.syncRunId));
  return { ...toRecord(await loadBranch(ctx.db, name)), applied: result.applied };
}

export async function discardBranch(ctx: ServiceContext, name: string): Promise<BranchRecord> {
  authorize(ctx.actor, "branch.merge");
  return withGitLock(async () => {
    const b = await loadBranch(ctx.db, name);
    if (b.status !== "open") throw new AppError("bad_request", `Branch ${name} is ${b.status}; only open branches can be discarded.`);
    await assertRunFinished(ctx.db, b);
    await ctx.db.update(branches).set({ status: "discarded", discardedAt: new Date(), discardedByName: ctx.actor.username }).where(and(eq(branches.id, b.id), eq(branches.status, "open")));
    if (b.syncRunId) await ctx.db.update(syncRuns).set({ mergeOutcome: `discarded by ${ctx.actor.username}` }).where(eq(syncRuns.id, b.syncRunId));
    return toRecord(await loadBranch(ctx.db, name));
  });
}

/** A branch whose run is still under way is the run's to merge: review waits for the run's end. */
async function assertRunFinished(db: Executor, b: Branch): Promise<void> {
  if (!b.syncRunId) return;
  const [run] = await db.select({ status: syncRuns.status }).from(syncRuns).where(eq(syncRuns.id, b.syncRunId));
  if (run && !TERMINAL_SYNC_RUN_STATUSES.includes(run.status)) {
    throw new AppError("conflict", `Sync run #${b.syncRunId} is still ${run.status}; its branch can be merged or discarded once the run has finished.`);
  }
}

/** Runs that left their branch open. */
export async function openBranchCount(ctx: ServiceContext): Promise<number> {
  const [r] = await ctx.db.select({ n: count() }).from(branches).where(inArray(branches.status, ["open"]));
  return Number(r?.n ?? 0);
}

