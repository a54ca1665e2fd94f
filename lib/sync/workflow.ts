import { and, eq, inArray } from "drizzle-orm";
import type { Db, Executor } from "@/db/client";
import {
  pbsServers,
  pdmEndpointPbsServers,
  pdmEndpointProxmoxEndpoints,
  pdmEndpoints,
  pdmRemotes,
  proxmoxEndpoints,
  syncRunFetches,
  TERMINAL_SYNC_RUN_STATUSES,
  type SyncRunEndpointResult,
  type SyncRunStatus,
} from "@/db/schema";
import { log } from "@/lib/log";
import { createContext, type Actor, type ServiceContext } from "@/lib/services/context";
import { readSettingsForSystem } from "@/lib/services/settings";
import {
  bumpProgress,
  endpointResultOf,
  finishRunRecord,
  loadRun,
  markRunStarted,
  recordEndpointResult,
} from "@/lib/services/sync-runs";
import { applyEndpointOutcome, applyRemotePlan } from "./apply";
import { releaseRunLimiter } from "./fetch";
import { LinkIndex } from "./linking";
import { reconcileRemotes, type FetchedRemote } from "./reconcile";

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
}

export function syncActor(runId: number): Actor {
  return { kind: "sync", userId: null, username: `sync run #${runId}`, role: "admin", writeEnabled: true };
}

/** One request id per run ties all of its change-log entries together (SPEC §7). */
export function runRequestId(runId: number): string {
  return `00000000-0000-4000-8000-${runId.toString(16).padStart(12, "0")}`;
}

export function runContext(db: Executor, runId: number): ServiceContext {
  return createContext(db, syncActor(runId), { requestId: runRequestId(runId), syncRunId: runId });
}

export async function startRun(db: Db, runId: number, engineRunId: string | null): Promise<StartResult> {
  const run = await loadRun(db, runId);
  if (TERMINAL_SYNC_RUN_STATUSES.includes(run.status)) return { terminal: true, skipped: false, endpoints: [], concurrency: 1, branching: false };
  const settings = await readSettingsForSystem(runContext(db, runId));
  if (!settings.pdm_enabled) return { terminal: false, skipped: true, endpoints: [], concurrency: 1, branching: false };
  const rows = await db
    .select({ id: pdmEndpoints.id, name: pdmEndpoints.name, enabled: pdmEndpoints.enabled })
    .from(pdmEndpoints)
    .where(run.requestedEndpointIds ? inArray(pdmEndpoints.id, run.requestedEndpointIds) : undefined)
    .orderBy(pdmEndpoints.name);
  const enabled = rows.filter((r) => r.enabled);
  await markRunStarted(db, runId, { inngestRunId: engineRunId, endpointsTotal: enabled.length });
  for (const r of rows.filter((r) => !r.enabled)) {
    await recordEndpointResult(db, runId, { id: r.id, name: r.name, outcome: "skipped", created: 0, updated: 0, deleted: 0, unchanged: 0, error: "endpoint disabled" });
  }
  return {
    terminal: false,
    skipped: false,
    endpoints: enabled.map((r) => ({ id: r.id, name: r.name })),
    concurrency: settings.pdm_fetch_concurrency,
    branching: settings.branching_enabled,
  };
}

/** What a fetch step staged for one endpoint. */
export interface StagedFetch {
  ok: boolean;
  error: string | null;
  pdmVersion: string | null;
  remotes: FetchedRemote[];
}

export async function stageFetch(db: Executor, runId: number, endpointId: number, staged: StagedFetch): Promise<void> {
  const values = { ok: staged.ok, error: staged.error, pdmVersion: staged.pdmVersion, remotes: staged.remotes, fetchedAt: new Date() };
  await db
    .insert(syncRunFetches)
    .values({ syncRunId: runId, pdmEndpointId: endpointId, ...values })
    .onConflictDoUpdate({ target: [syncRunFetches.syncRunId, syncRunFetches.pdmEndpointId], set: values });
}

export async function readStagedFetch(db: Executor, runId: number, endpointId: number): Promise<StagedFetch | null> {
  const [row] = await db
    .select()
    .from(syncRunFetches)
    .where(and(eq(syncRunFetches.syncRunId, runId), eq(syncRunFetches.pdmEndpointId, endpointId)));
  if (!row) return null;
  return { ok: row.ok, error: row.error, pdmVersion: row.pdmVersion, remotes: (row.remotes as FetchedRemote[] | null) ?? [] };
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
    const ctx = { ...runContext(tx, runId), inTransaction: true };
    let res: SyncRunEndpointResult;
    if (!staged || !staged.ok) {
      const error = staged?.error ?? "no data was fetched for this endpoint";
      // A failed endpoint changes nothing of its own remotes (SPEC §4).
      await applyEndpointOutcome(ctx, endpoint.id, { ok: false, error }, now);
      res = { id: endpoint.id, name: endpoint.name, outcome: "failed", created: 0, updated: 0, deleted: 0, unchanged: 0, error };
    } else {
      const rows = await tx.select().from(pdmRemotes).where(eq(pdmRemotes.pdmEndpointId, endpoint.id));
      const plan = reconcileRemotes(rows, staged.remotes, await linkContextFor(tx, endpoint.id));
      const counts = await applyRemotePlan(ctx, endpoint.id, plan, now);
      await applyEndpointOutcome(ctx, endpoint.id, { ok: true, version: staged.pdmVersion ?? "" }, now);
      res = { id: endpoint.id, name: endpoint.name, outcome: "succeeded", ...counts, error: null };
    }
    await recordEndpointResult(tx, runId, res);
    return res;
  });
  await bumpProgress(db, runId, { endpointsDone: 1 });
  return result;
}

export function terminalStatus(results: SyncRunEndpointResult[]): SyncRunStatus {
  const ran = results.filter((r) => r.outcome !== "skipped");
  const failed = ran.filter((r) => r.outcome === "failed").length;
  if (failed === 0) return "succeeded";
  return failed === ran.length ? "failed" : "partial";
}

export async function finishRun(db: Db, runId: number, opts: { skipped?: boolean } = {}): Promise<SyncRunStatus> {
  const run = await loadRun(db, runId);
  if (TERMINAL_SYNC_RUN_STATUSES.includes(run.status)) return run.status;
  const status: SyncRunStatus = opts.skipped ? "skipped" : terminalStatus(run.endpoints);
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
  if (TERMINAL_SYNC_RUN_STATUSES.includes(run.status)) return;
  await db.delete(syncRunFetches).where(eq(syncRunFetches.syncRunId, runId));
  await finishRunRecord(db, runId, { status: "failed", error });
}
