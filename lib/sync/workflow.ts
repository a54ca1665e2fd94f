import { eq, inArray } from "drizzle-orm";
import { selectAll } from "@/db/bulk";
import type { Db, Executor } from "@/db/client";
import {
  pbsServers,
  pdmEndpointPbsServers,
  pdmEndpointProxmoxEndpoints,
  pdmEndpoints,
  pdmRemotes,
  proxmoxEndpoints,
  branches,
  syncRunFetches,
  syncRuns,
  TERMINAL_SYNC_RUN_STATUSES,
  type SyncRunEndpointResult,
  type SyncRunStatus,
} from "@/db/schema";
import { log } from "@/lib/log";
import { runRecordedChanges } from "@/lib/services/changelog/queries";
import { readSettingsForSystem } from "@/lib/services/settings";
import {
  bumpProgress,
  endpointResultOf,
  finishRunRecord,
  loadRun,
  markRunStarted,
  recordEndpointResult,
} from "@/lib/services/sync-runs";
import type { JsonObject } from "@/lib/git";
import { commitToBranch, createRunBranch, endpointAtBase, mergeBranch, type MergeOutcome } from "@/lib/services/branches";
import { commitInventoryToMain, recoverMerges } from "@/lib/services/branches/main-line";
import { LINK_FIELDS, prestageEndpointRemotes, remoteDir, remoteObject, remotePath, SYNC_OWNED_REMOTE_FIELDS, withGitLock } from "@/lib/services/branches/snapshot";
import { applyEndpointOutcome, applyRemotePlan, applyVolatile } from "./apply";
import { releaseRunLimiter } from "./fetch";
import { LinkIndex } from "./linking";
import { reconcileRemotes } from "./reconcile";
import { endedMessage, endedOf, runContext } from "./run";
import { readStagedFetch, unreachableIn } from "./staging";
import { skippedRemotesNote } from "./validate";

// The bodies of the sync workflow's steps (SPEC §4). Each is idempotent: a retried or resumed
// step finds what it already did and returns the same answer. They return ids and counts; the
// fetched data is staged in sync_run_fetches.

export interface StartResult {
  /** The run had already ended (a duplicate event or a resumed finished run). */
  terminal: boolean;
  skipped: boolean;
  endpoints: { id: number; name: string }[];
  concurrency: number;
  branching: boolean;
  branchPrefix: string;
  onConflict: "abort" | "overwrite";
  /** Another run is under way: this one stays queued and asks again later (markRunStarted). */
  waitingFor: number | null;
}

export async function startRun(db: Db, runId: number, engineRunId: string | null): Promise<StartResult> {
  const run = await loadRun(db, runId);
  const idle = { endpoints: [], concurrency: 1, branching: false, branchPrefix: "", onConflict: "abort" as const, waitingFor: null };
  if (TERMINAL_SYNC_RUN_STATUSES.includes(run.status)) return { terminal: true, skipped: false, ...idle };
  const settings = await readSettingsForSystem(runContext(db, runId));
  if (!settings.pdm_enabled) return { terminal: false, skipped: true, ...idle };
  const rows = await db
    .select({ id: pdmEndpoints.id, name: pdmEndpoints.name, enabled: pdmEndpoints.enabled })
    .from(pdmEndpoints)
    .where(run.requestedEndpointIds ? inArray(pdmEndpoints.id, run.requestedEndpointIds) : undefined)
    .orderBy(pdmEndpoints.name);
  const enabled = rows.filter((r) => r.enabled);
  const waitingFor = await markRunStarted(db, runId, { inngestRunId: engineRunId, endpointsTotal: enabled.length });
  if (waitingFor) return { terminal: false, skipped: false, ...idle, waitingFor };
  for (const r of rows.filter((r) => !r.enabled)) {
    await recordEndpointResult(db, runId, { id: r.id, name: r.name, outcome: "skipped", created: 0, updated: 0, deleted: 0, unchanged: 0, error: "endpoint disabled" });
  }
  return {
    terminal: false,
    skipped: false,
    endpoints: enabled.map((r) => ({ id: r.id, name: r.name })),
    concurrency: settings.pdm_fetch_concurrency,
    branching: settings.branching_enabled,
    branchPrefix: settings.branch_name_prefix,
    onConflict: settings.branch_on_conflict,
    waitingFor: null,
  };
}

/**
 * Before the first PDM request: main is brought up to date with the database (edits made since
 * the last run become a commit of their own), and with branching the run's branch is created
 * from it (SPEC §5 step 1).
 */
export async function prepareGit(db: Db, runId: number, start: StartResult): Promise<{ branch: string | null }> {
  const ctx = runContext(db, runId);
  if (start.branching) return { branch: (await createRunBranch(ctx, runId, start.branchPrefix)).name };
  await withGitLock(() => commitInventoryToMain(ctx, "Inventory edits before sync run"));
  return { branch: null };
}

/**
 * Without branching: the run's applied changes become one commit on main (SPEC §5). A run that
 * changed nothing (it recorded no change) makes none: every object it saw is as main has it, and
 * what people edited meanwhile is committed as their edit before the next run.
 */
export async function commitRunToMain(db: Db, runId: number): Promise<{ changed: boolean; summary: string }> {
  if (!(await runRecordedChanges(db, runId))) return { changed: false, summary: "no changes" };
  const r = await withGitLock(() => commitInventoryToMain(runContext(db, runId), `Sync run #${runId}`));
  return { changed: r.changed, summary: r.summary };
}

/**
 * With branching: one endpoint's would-be changes are committed to the run's branch instead of
 * the database (SPEC §5 step 2); only the volatile fields move in the database.
 */
export async function branchEndpoint(db: Db, runId: number, endpoint: { id: number; name: string }, branch: string): Promise<SyncRunEndpointResult> {
  const existing = await endpointResultOf(db, runId, endpoint.id);
  if (existing) return existing;
  // Before the branch commit: the branch of a run that has ended may be waiting for review.
  const ended = await endedStatus(db, runId);
  if (ended) return endedResult(runId, endpoint, ended);
  const staged = await readStagedFetch(db, runId, endpoint.id);
  const now = new Date();
  if (!staged || !staged.ok) return reconcileEndpoint(db, runId, endpoint); // failure handling is the same
  const rows = await selectAll(db, pdmRemotes, eq(pdmRemotes.pdmEndpointId, endpoint.id));
  const plan = await reconcileRemotes(rows, staged.remotes, await linkContextFor(db, endpoint.id));
  // The branch is the base (main when the run started) with what the run found in PDM: the
  // sync-owned fields. A person's edits made since are main's side of the merge, never the
  // branch's (SPEC §5).
  const base = await endpointAtBase(db, branch, endpoint.id);
  if (!base) throw new Error(`PDM endpoint ${endpoint.id} is not in the branch's base`);
  const put = new Map<string, JsonObject>();
  const byId = new Map(plan.updates.map((u) => [u.id, u]));
  const deleted = new Set(plan.deletes.map((d) => d.id));
  for (const r of rows) {
    const was = base.remotes.get(r.id);
    // Created by a person since the run started: main's, not the branch's.
    if (deleted.has(r.id) || !was) continue;
    const u = byId.get(r.id);
    const found = remoteObject({ ...r, ...u?.changes, id: r.id });
    const object: JsonObject = { ...was };
    for (const f of SYNC_OWNED_REMOTE_FIELDS) object[f] = found[f];
    if (r.linkSource !== "manual" && was.link_source !== "manual") for (const f of LINK_FIELDS) object[f] = found[f];
    put.set(remotePath(base.name, String(object.name)), object);
  }
  for (const c of plan.creates) put.set(remotePath(base.name, c.name), remoteObject({ ...c, pdmEndpointId: endpoint.id, description: "", id: null }));
  put.set(base.path, { ...base.object, version: staged.pdmVersion });
  // The branch's counts are what it proposes; reachability (status, last_error) is not reviewed
  // but applied at once (applyVolatile), so an update of only that is not a proposed update.
  const proposed = plan.updates.filter((u) => Object.keys(u.changes).some((k) => k !== "status" && k !== "lastError")).length;
  const counts = {
    created: plan.creates.length,
    updated: proposed,
    deleted: plan.deletes.length,
    unchanged: plan.unchanged.length + plan.updates.length - proposed,
    unreachable: unreachableIn(staged),
  };
  // Deleted by a person since the run started: main's delete, not the branch's.
  const inDatabase = new Set(rows.map((r) => r.id));
  const keep = new Set([...base.remotes].filter(([id]) => !inDatabase.has(id)).map(([, o]) => remotePath(base.name, String(o.name))));
  await commitToBranch(branch, { put, removeUnder: remoteDir(base.name), keep, message: `${endpoint.name}: ${counts.created} created, ${counts.updated} updated, ${counts.deleted} deleted` });
  const result = await db.transaction(async (tx) => {
    const claim = await claimEndpoint(tx, runId, endpoint.id);
    if (claim.recorded) return { res: claim.recorded, fresh: false };
    // A step the engine delivers after the run has ended (failed, say) changes nothing.
    if (claim.ended) return { res: endedResult(runId, endpoint, claim.ended), fresh: false };
    const ctx = { ...runContext(tx, runId), inTransaction: true };
    await applyVolatile(ctx, plan, now);
    await applyEndpointOutcome(ctx, endpoint.id, { ok: true, version: null }, now);
    const res: SyncRunEndpointResult = { id: endpoint.id, name: endpoint.name, outcome: "succeeded", ...counts, error: skippedRemotesNote(plan.skipped) };
    await recordEndpointResult(tx, runId, res);
    return { res, fresh: true };
  });
  if (result.fresh) await bumpProgress(db, runId, { endpointsDone: 1 });
  return result.res;
}

/** SPEC §5 steps 3-5 for the run's branch: delete it if empty, else merge by the policy. */
export async function mergeRunBranch(db: Db, runId: number, branch: string, policy: "abort" | "overwrite"): Promise<MergeOutcome> {
  const run = await loadRun(db, runId);
  if (run.mergeOutcome) return { outcome: run.mergeOutcome.startsWith("left open") ? "left_open" : "merged", conflicts: 0, collisions: 0, applied: { created: 0, updated: 0, deleted: 0 } };
  const ctx = runContext(db, runId);
  // A retry after a crash: the branch row says what already happened.
  const [row] = await db.select().from(branches).where(eq(branches.name, branch));
  const nothing = { created: 0, updated: 0, deleted: 0 };
  let result: MergeOutcome;
  if (!row) result = { outcome: "no_changes", conflicts: 0, collisions: 0, applied: nothing };
  else if (row.status === "merged") {
    await withGitLock(() => recoverMerges(db));
    result = { outcome: "merged", conflicts: row.conflicts.length, collisions: 0, applied: nothing };
  } else result = await mergeBranch(ctx, branch, policy, { deleteIfEmpty: true });
  const text =
    result.outcome === "no_changes"
      ? "no changes"
      : result.outcome === "left_open"
        ? `left open: ${result.conflicts} conflicting object${result.conflicts === 1 ? "" : "s"}${result.collisions ? `, ${result.collisions} collision${result.collisions === 1 ? "" : "s"}` : ""}`
        : result.conflicts || result.collisions
          ? `merged, ${result.conflicts + result.collisions} conflicts overwritten`
          : "merged";
  await db
    .update(syncRuns)
    .set({ mergeOutcome: text, ...(result.outcome === "no_changes" ? { branchName: null } : {}) })
    .where(eq(syncRuns.id, runId));
  return result;
}

/** Everything linking needs for one endpoint (SPEC §3). */
export async function linkContextFor(db: Executor, endpointId: number) {
  const [pve, pbs, declaredPve, declaredPbs] = await Promise.all([
    db.select({ id: proxmoxEndpoints.id, host: proxmoxEndpoints.host, port: proxmoxEndpoints.port, fingerprint: proxmoxEndpoints.fingerprint }).from(proxmoxEndpoints),
    db.select({ id: pbsServers.id, host: pbsServers.host, port: pbsServers.port, fingerprint: pbsServers.fingerprint }).from(pbsServers),
    db.select({ id: pdmEndpointProxmoxEndpoints.proxmoxEndpointId }).from(pdmEndpointProxmoxEndpoints).where(eq(pdmEndpointProxmoxEndpoints.pdmEndpointId, endpointId)),
    db.select({ id: pdmEndpointPbsServers.pbsServerId }).from(pdmEndpointPbsServers).where(eq(pdmEndpointPbsServers.pdmEndpointId, endpointId)),
  ]);
  return {
    pve: new LinkIndex(pve, 8006),
    pbs: new LinkIndex(pbs, 8007),
    declaredPve: new Set(declaredPve.map((r) => r.id)),
    declaredPbs: new Set(declaredPbs.map((r) => r.id)),
  };
}

/**
 * Reconciles one endpoint in one transaction (SPEC §4 step 4) and records its outcome in the same
 * transaction, so a retry after a crash finds the result instead of applying twice.
 */
export async function reconcileEndpoint(db: Db, runId: number, endpoint: { id: number; name: string }): Promise<SyncRunEndpointResult> {
  const existing = await endpointResultOf(db, runId, endpoint.id);
  if (existing) return existing;
  const staged = await readStagedFetch(db, runId, endpoint.id);
  const now = new Date();
  const result = await db.transaction(async (tx) => {
    const claim = await claimEndpoint(tx, runId, endpoint.id);
    if (claim.recorded) return { res: claim.recorded, fresh: false };
    // A step the engine delivers after the run has ended (failed, say) changes nothing.
    if (claim.ended) return { res: endedResult(runId, endpoint, claim.ended), fresh: false };
    const ctx = { ...runContext(tx, runId), inTransaction: true };
    let res: SyncRunEndpointResult;
    if (!staged || !staged.ok) {
      const error = staged?.error ?? "no data was fetched for this endpoint";
      // A failed endpoint changes nothing of its own remotes (SPEC §4).
      await applyEndpointOutcome(ctx, endpoint.id, { ok: false, error }, now);
      res = { id: endpoint.id, name: endpoint.name, outcome: "failed", created: 0, updated: 0, deleted: 0, unchanged: 0, error };
    } else {
      const rows = await selectAll(tx, pdmRemotes, eq(pdmRemotes.pdmEndpointId, endpoint.id));
      const plan = await reconcileRemotes(rows, staged.remotes, await linkContextFor(tx, endpoint.id));
      const counts = await applyRemotePlan(ctx, endpoint.id, plan, now);
      await applyEndpointOutcome(ctx, endpoint.id, { ok: true, version: staged.pdmVersion ?? "" }, now);
      res = { id: endpoint.id, name: endpoint.name, outcome: "succeeded", ...counts, unreachable: unreachableIn(staged), error: skippedRemotesNote(plan.skipped) };
    }
    await recordEndpointResult(tx, runId, res);
    return { res, fresh: true };
  });
  if (result.fresh) await bumpProgress(db, runId, { endpointsDone: 1 });
  // The run ends with one commit of the whole inventory; its new blobs are made now, while other
  // endpoints are still fetching, not all at the end. Only a warm-up: a failure here costs nothing.
  if (result.fresh && result.res.created + result.res.updated > 0)
    await prestageEndpointRemotes(db, endpoint.id).catch((err: unknown) => log.debug(`sync run #${runId}: prestaging endpoint ${endpoint.id} failed: ${err instanceof Error ? err.message : String(err)}`));
  return result.res;
}

async function endedStatus(db: Executor, runId: number): Promise<SyncRunStatus | null> {
  const [run] = await db.select({ status: syncRuns.status }).from(syncRuns).where(eq(syncRuns.id, runId));
  return endedOf(run?.status);
}

/** What a step delivered after its run has ended returns: it changed nothing. */
function endedResult(runId: number, endpoint: { id: number; name: string }, status: SyncRunStatus): SyncRunEndpointResult {
  return { id: endpoint.id, name: endpoint.name, outcome: "skipped", created: 0, updated: 0, deleted: 0, unchanged: 0, error: endedMessage(runId, status) };
}

/**
 * Inside an endpoint's transaction: locks the run's row, so the same step running twice at once
 * (an engine may do that) is serialized, and returns the outcome the first one already recorded,
 * or the status of a run that has ended meanwhile.
 */
async function claimEndpoint(tx: Executor, runId: number, endpointId: number): Promise<{ recorded: SyncRunEndpointResult | null; ended: SyncRunStatus | null }> {
  const [run] = await tx.select({ status: syncRuns.status }).from(syncRuns).where(eq(syncRuns.id, runId)).for("update");
  const recorded = await endpointResultOf(tx, runId, endpointId);
  return { recorded, ended: endedOf(run?.status) };
}

export function terminalStatus(results: SyncRunEndpointResult[]): SyncRunStatus {
  const ran = results.filter((r) => r.outcome !== "skipped");
  const failed = ran.filter((r) => r.outcome === "failed").length;
  if (failed === 0) return "succeeded";
  return failed === ran.length ? "failed" : "partial";
}

export async function finishRun(db: Db, runId: number, opts: { skipped?: boolean; leftOpen?: boolean } = {}): Promise<SyncRunStatus> {
  const run = await loadRun(db, runId);
  if (TERMINAL_SYNC_RUN_STATUSES.includes(run.status)) return run.status;
  const status: SyncRunStatus = opts.skipped ? "skipped" : opts.leftOpen ? "left_open" : terminalStatus(run.endpoints);
  await db.delete(syncRunFetches).where(eq(syncRunFetches.syncRunId, runId));
  const failed = run.endpoints.filter((e) => e.outcome === "failed");
  const error = opts.skipped
    ? "PDM sync is disabled in the plugin settings (pdm_enabled = false)."
    : failed.length
      ? failed.map((e) => `${e.name}: ${e.error}`).join("; ")
      : null;
  await finishRunRecord(db, runId, { status, error });
  releaseRunLimiter(runId);
  log.info(`sync run #${runId} ${status}`, { created: run.createdCount, updated: run.updatedCount, deleted: run.deletedCount });
  return status;
}

/** When the engine gives up on a run (retries exhausted, crash beyond resumption). */
export async function failRun(db: Db, runId: number, error: string): Promise<void> {
  const run = await loadRun(db, runId);
  releaseRunLimiter(runId);
  if (TERMINAL_SYNC_RUN_STATUSES.includes(run.status)) return;
  await db.delete(syncRunFetches).where(eq(syncRunFetches.syncRunId, runId));
  await finishRunRecord(db, runId, { status: "failed", error });
}
