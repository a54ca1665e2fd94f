import { and, eq } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { syncRunFetches } from "@/db/schema";
import type { FetchedRemote } from "./reconcile";

// A fetch step's result, staged in sync_run_fetches for the reconcile step: step outputs stay
// counts and ids (Inngest's limits), the data stays in the database.

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

/** Remotes PDM listed but could not reach: kept with their last version, marked unreachable. */
export const unreachableIn = (staged: StagedFetch) => staged.remotes.filter((r) => r.error !== null).length;
