import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { syncRunFetches, syncRuns } from "@/db/schema";
import { isAppError } from "@/lib/errors";
import { log } from "@/lib/log";
import { isPdmError } from "@/lib/pdm";
import { pumpedPdmClient, releasePumpLimiter } from "@/lib/pdm/pump";
import { getPdmEndpointConnection, pdmClientOptions } from "@/lib/services/pdm-endpoints";
import { bumpProgress } from "@/lib/services/sync-runs";
import type { FetchedRemote } from "./reconcile";
import { endedMessage, endedOf, runContext } from "./run";
import { stageFetch } from "./staging";
import { markInvalidRemotes } from "./validate";

// SPEC §4 steps 1-3 for one endpoint: /version, /remotes/remote, then every remote's version,
// within the run's shared request limit. The result is staged in the database; the step returns
// only counts. PDM failures are the endpoint's outcome, never thrown for the engine to retry.

/** The run's requests share one limiter on the pump thread (its parallel fetch steps run in this process). */
const runLimiterKey = (runId: number) => `sync-run-${runId}`;

export function releaseRunLimiter(runId: number): void {
  releasePumpLimiter(runLimiterKey(runId));
}

export interface FetchOutcome {
  ok: boolean;
  remotes: number;
  unreachable: number;
  error: string | null;
}

/**
 * What an earlier attempt of this fetch step already did: a run that has ended is fetched no more,
 * and an endpoint already staged for the run is not fetched again (an attempt that staged its data
 * and then lost its result — a crash, a lost answer to the engine — is retried without a second
 * round of PDM requests). Null: fetch.
 */
async function priorFetch(db: Db, runId: number, endpointId: number): Promise<FetchOutcome | null> {
  const [row] = await db
    .select({
      status: syncRuns.status,
      ok: syncRunFetches.ok,
      error: syncRunFetches.error,
      remotes: sql<number>`coalesce(json_array_length(${syncRunFetches.remotes}), 0)`.mapWith(Number),
      unreachable: sql<number>`(select count(*) from json_array_elements(${syncRunFetches.remotes}) e where e->>'error' is not null)`.mapWith(Number),
    })
    .from(syncRuns)
    .leftJoin(syncRunFetches, and(eq(syncRunFetches.syncRunId, syncRuns.id), eq(syncRunFetches.pdmEndpointId, endpointId)))
    .where(eq(syncRuns.id, runId));
  if (!row) return null;
  const ended = endedOf(row.status);
  if (ended) return { ok: false, remotes: 0, unreachable: 0, error: endedMessage(runId, ended) };
  if (row.ok === null) return null;
  return { ok: row.ok, remotes: row.remotes, unreachable: row.unreachable, error: row.error };
}

/** `order`: the endpoint's place in the run; earlier endpoints' requests are served first. */
export async function fetchEndpoint(db: Db, runId: number, endpointId: number, concurrency: number, order = 0): Promise<FetchOutcome> {
  const prior = await priorFetch(db, runId, endpointId);
  if (prior) return prior;
  const ctx = runContext(db, runId);
  let conn;
  try {
    conn = await getPdmEndpointConnection(ctx, endpointId);
  } catch (err) {
    if (isAppError(err) && err.code === "secret_unreadable") {
      await stageFetch(db, runId, endpointId, { ok: false, error: err.message, pdmVersion: null, remotes: [] });
      return { ok: false, remotes: 0, unreachable: 0, error: err.message };
    }
    throw err;
  }
  // On the request pump's thread (lib/pdm/pump.ts): the fetch pipe stays full while this thread
  // reconciles other endpoints.
  const client = pumpedPdmClient(pdmClientOptions(conn), { key: runLimiterKey(runId), limit: concurrency, priority: order });
  if (client.tlsUnverified) log.warn(`sync run #${runId}: PDM endpoint "${conn.name}" is contacted without TLS verification (no fingerprint, verify_ssl off)`);
  let progress = Promise.resolve();
  try {
    const version = await client.version();
    const list = await client.listRemotes();
    progress = progress.then(() => bumpProgress(db, runId, { remotesTotal: list.length }));
    let pending = 0;
    let lastFlush = Date.now();
    const flush = () => {
      const n = pending;
      pending = 0;
      lastFlush = Date.now();
      if (n) progress = progress.then(() => bumpProgress(db, runId, { remotesFetched: n }));
    };
    const versions = await client.remoteVersions(
      list.map((r) => r.name),
      (n) => {
        pending += n;
        if (pending >= 200 || Date.now() - lastFlush > 500) flush();
      },
    );
    flush();
    const remotes: FetchedRemote[] = list.map((r) => {
      const v = versions.get(r.name);
      return {
        name: r.name,
        type: r.type,
        nodes: r.nodes,
        authid: r.authid,
        webUrl: r.webUrl,
        version: v?.ok ? v.version : null,
        error: v && !v.ok ? v.error : null,
      };
    });
    // The API's own rules on what PDM reports: an invalid remote is staged marked, and skipped.
    await markInvalidRemotes(remotes);
    await stageFetch(db, runId, endpointId, { ok: true, error: null, pdmVersion: version.full, remotes });
    return { ok: true, remotes: remotes.length, unreachable: remotes.filter((r) => r.error).length, error: null };
  } catch (err) {
    if (!isPdmError(err)) throw err;
    // The endpoint failed (auth, TLS, timeout, 5xx, malformed…): record it; its remotes stay as they are.
    await stageFetch(db, runId, endpointId, { ok: false, error: err.message, pdmVersion: null, remotes: [] });
    return { ok: false, remotes: 0, unreachable: 0, error: err.message };
  } finally {
    await progress.catch(() => {});
    await client.close();
  }
}
