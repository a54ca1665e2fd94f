import type { SyncRunRecord } from "@/lib/services/sync-runs";

// One-line summaries of a run for lists (the Sync Runs list, the dashboard).

/** Per-endpoint outcomes: "2 ok, 1 failed, 1 skipped" (skipped endpoints are not "ok"). */
export function endpointSummary(run: Pick<SyncRunRecord, "endpoints">): string {
  const n = (o: string) => run.endpoints.filter((e) => e.outcome === o).length;
  const parts = [
    [n("succeeded"), "ok"],
    [n("failed"), "failed"],
    [n("skipped"), "skipped"],
  ]
    .filter(([count]) => count)
    .map(([count, label]) => `${count} ${label}`);
  return parts.length ? parts.join(", ") : "—";
}

/** Live progress while a run is queued or running (endpoints done, remotes fetched, current step); null once it ended. */
export function progressSummary(run: Pick<SyncRunRecord, "status" | "progress">): string | null {
  if (run.status === "queued") return "waiting to start";
  if (run.status !== "running") return null;
  const p = run.progress;
  if (!p) return "running";
  const step = p.currentStep ? ` · ${p.currentStep}` : "";
  return `${p.endpointsDone}/${p.endpointsTotal} endpoints, ${p.remotesFetched}/${p.remotesTotal} remotes fetched${step}`;
}

/**
 * The run's remote counts, saying whether they were applied: a branching run's counts are what it
 * proposed until its branch is merged, at run time or later by a person.
 */
export function countsSummary(run: Pick<SyncRunRecord, "created" | "updated" | "deleted" | "unchanged" | "counts_applied" | "status" | "merge_outcome">): string {
  const changes = `${run.created} created, ${run.updated} updated, ${run.deleted} deleted`;
  if (!run.counts_applied) {
    const discarded = /^discarded\b/.test(run.merge_outcome ?? "");
    return `${discarded ? "discarded, never applied" : "proposed, not applied"}: ${changes} (${run.unchanged} unchanged)`;
  }
  const later = run.status === "left_open" ? /^merged by (.+)$/.exec(run.merge_outcome ?? "")?.[1] : undefined;
  return `${changes}, ${run.unchanged} unchanged${later ? ` (applied when merged by ${later})` : ""}`;
}
