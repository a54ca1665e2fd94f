import type { Metadata } from "next";
import Link from "next/link";
import { ListView } from "@/components/data-table/list-view";
import { SyncNowButton } from "@/components/objects/pdm-endpoint/endpoint-actions";
import { AutoRefresh } from "@/components/objects/sync-run/auto-refresh";
import { RunStatusBadge } from "@/components/objects/sync-run/status";
import { countsSummary, endpointSummary, progressSummary } from "@/components/objects/sync-run/summary";
import { can } from "@/lib/auth/permissions";
import { pageContext } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { listSyncRuns, type SyncRunRecord } from "@/lib/services/sync-runs";
import { formatDateTime, formatDuration } from "@/lib/ui/format";
import { parseListState, type RawSearchParams } from "@/lib/ui/search-params";

export const metadata: Metadata = { title: "Sync Runs" };

export default async function SyncRunsPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const ctx = await pageContext();
  const state = parseListState(await searchParams);
  let page;
  try {
    page = await listSyncRuns(ctx, state.input);
  } catch (err) {
    if (!isAppError(err) || err.code !== "validation") throw err;
    page = { count: 0, limit: state.perPage, offset: 0, results: [] as SyncRunRecord[] };
  }
  const live = page.results.some((r) => r.status === "queued" || r.status === "running");
  return (
    <ListView<SyncRunRecord>
      title="Sync Runs"
      crumbs={[{ label: "PDM" }, { label: "Sync Runs" }]}
      path="/plugins/pdm/sync-runs/"
      page={page}
      state={state}
      canWrite={false}
      extraActions={
        <>
          <AutoRefresh active={live} ms={2000} />
          {can(ctx.actor, "sync.run") && <SyncNowButton endpointId={null} label="Sync all endpoints" />}
        </>
      }
      empty="No sync runs yet. Add a PDM endpoint, then press Sync now (or set a schedule in the plugin settings)."
      filters={[
        { name: "status", label: "Status", options: ["queued", "running", "succeeded", "partial", "failed", "skipped", "left_open"].map((s) => ({ value: s, label: s })) },
        { name: "trigger", label: "Trigger", options: ["ui", "api", "schedule"].map((s) => ({ value: s, label: s })) },
      ]}
      columns={[
        { label: "Run", sort: "id", render: (r) => <Link href={`/plugins/pdm/sync-runs/${r.id}/`} className="font-medium text-brand-700 hover:underline">#{r.id}</Link> },
        { label: "Status", sort: "status", render: (r) => <RunStatusBadge status={r.status} mergeOutcome={r.merge_outcome} unreachable={r.unreachable} /> },
        { label: "Trigger", render: (r) => `${r.trigger} (${r.requested_by_name})` },
        {
          // While a run is live: its progress (endpoints done, remotes fetched, current step).
          label: "Endpoints",
          render: (r) => {
            const live = progressSummary(r);
            return live ? (
              <span className="text-slate-600" data-testid={`run-progress-${r.id}`}>
                {live}
              </span>
            ) : (
              endpointSummary(r)
            );
          },
        },
        {
          label: "Created / updated / deleted / unchanged",
          render: (r) => (
            <span title={countsSummary(r)}>
              {!r.counts_applied && <span className="mr-1 text-xs italic text-slate-500">proposed</span>}
              {r.created} / {r.updated} / {r.deleted} / {r.unchanged}
            </span>
          ),
        },
        { label: "Started", sort: "started_at", render: (r) => formatDateTime(r.started_at ?? r.queued_at) },
        { label: "Duration", render: (r) => formatDuration(r.duration_seconds) },
      ]}
    />
  );
}
