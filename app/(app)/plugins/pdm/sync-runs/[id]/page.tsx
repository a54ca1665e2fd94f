import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { PageHeader } from "@/components/layout/page-header";
import { ChangelogTable } from "@/components/objects/changelog";
import { AttributeTable, Dash } from "@/components/objects/detail";
import { AutoRefresh } from "@/components/objects/sync-run/auto-refresh";
import { RunStatusBadge } from "@/components/objects/sync-run/status";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { pageContext } from "@/lib/auth/session";
import { existingChangedObjects, listObjectChanges } from "@/lib/services/changelog/queries";
import { getSyncRun } from "@/lib/services/sync-runs";
import { countsSummary } from "@/components/objects/sync-run/summary";
import { formatDateTime, formatDuration } from "@/lib/ui/format";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  return { title: `Sync run #${(await params).id} | Sync Runs` };
}

function Bar({ done, total, label }: { done: number; total: number; label: string }) {
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
  return (
    <div>
      <div className="mb-1 flex justify-between text-xs text-slate-600">
        <span>{label}</span>
        <span data-testid={`progress-${label.toLowerCase().replace(/\s+/g, "-")}`}>
          {done} / {total}
        </span>
      </div>
      <div className="h-2 overflow-hidden rounded bg-slate-100" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100} aria-label={label}>
        <div className="h-full bg-brand-500 transition-all" style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

const STEP_TONES = { running: "blue", succeeded: "green", warning: "amber", failed: "red", skipped: "slate", left_open: "purple" } as const;

// A run: live progress while it runs, per-endpoint outcomes and errors in plain words, its steps,
// and the changes it made (from the change log).
export default async function SyncRunPage({ params }: { params: Promise<{ id: string }> }) {
  const ctx = await pageContext();
  const { id } = await params;
  if (!/^\d{1,10}$/.test(id)) notFound();
  const run = await getSyncRun(ctx, Number(id)).catch(() => null);
  if (!run) notFound();
  const live = run.status === "queued" || run.status === "running";
  const changes = await listObjectChanges(ctx, { filters: { sync_run_id: [String(run.id)] }, limit: 100 });
  const p = run.progress;
  return (
    <>
      <PageHeader
        title={
          <span className="inline-flex items-center gap-3">
            Sync run #{run.id} <RunStatusBadge status={run.status} mergeOutcome={run.merge_outcome} unreachable={run.unreachable} />
          </span>
        }
        crumbs={[{ label: "Sync Runs", href: "/plugins/pdm/sync-runs/" }, { label: `#${run.id}` }]}
        actions={<AutoRefresh active={live} />}
      />
      {live && p && (
        <Card title="Progress" className="mb-5">
          <div className="grid gap-4 md:grid-cols-2" data-testid="run-progress">
            <Bar label="Endpoints done" done={p.endpointsDone} total={p.endpointsTotal} />
            <Bar label="Remotes fetched" done={p.remotesFetched} total={p.remotesTotal} />
          </div>
          <p className="mt-3 text-sm text-slate-600">
            {run.status === "queued" ? "Waiting for the previous run to finish…" : <>Current step: <span className="font-mono">{p.currentStep ?? "starting"}</span></>}
          </p>
        </Card>
      )}
      {run.warnings.length > 0 && (
        <div role="status" className="mb-5 rounded-lg border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900" data-testid="run-warnings">
          <p className="font-medium">This run succeeded, but PDM could not reach some remotes. They keep their last known version and are marked unreachable:</p>
          <ul className="mt-1 list-disc pl-5">
            {run.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      )}
      {run.error && (
        <p role="alert" className="mb-5 rounded-lg border border-red-200 bg-red-50 p-3 text-sm text-red-800" data-testid="run-error">
          {run.error}
        </p>
      )}
      <div className="grid gap-5 lg:grid-cols-2">
        <Card title="Run">
          <AttributeTable
            rows={[
              ["Status", <RunStatusBadge key="s" status={run.status} mergeOutcome={run.merge_outcome} unreachable={run.unreachable} />],
              ["Trigger", run.trigger],
              ["Requested by", run.requested_by_name || <Dash />],
              ["Queued", formatDateTime(run.queued_at)],
              ["Started", formatDateTime(run.started_at)],
              ["Finished", formatDateTime(run.finished_at)],
              ["Duration", formatDuration(run.duration_seconds)],
              ["Remotes", <span key="c" data-testid="run-counts">{countsSummary(run)}</span>],
              ["Unreachable", run.unreachable ? <span key="u" className="font-medium text-amber-800" data-testid="run-unreachable-count">{run.unreachable} remote{run.unreachable === 1 ? "" : "s"}</span> : "0"],
              ["Engine", run.inngest_url ? <a key="i" href={run.inngest_url} className="text-brand-700 hover:underline" target="_blank" rel="noreferrer">Inngest run {run.inngest_run_id}</a> : run.engine],
              ["Branch", run.branch ? <Link key="b" href={`/plugins/pdm/branches/${encodeURIComponent(run.branch)}/`} className="text-brand-700 hover:underline">{run.branch}</Link> : <Dash />],
              ["Merge", run.merge_outcome ?? <Dash />],
            ]}
          />
        </Card>
        <Card title={`Endpoints (${run.endpoints.length})`}>
          {run.endpoints.length === 0 ? (
            <p className="text-sm text-slate-500">{live ? "Not reconciled yet." : "No endpoints were synced."}</p>
          ) : (
            <table className="min-w-full text-sm" data-testid="run-endpoints">
              <thead className="text-left text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-1.5 pr-3">Endpoint</th>
                  <th className="py-1.5 pr-3">Outcome</th>
                  <th className="py-1.5">{run.counts_applied ? "Created / updated / deleted / unchanged" : "Proposed: created / updated / deleted / unchanged"}</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {run.endpoints.map((e) => (
                  <tr key={e.id} className="align-top">
                    <td className="py-1.5 pr-3">
                      <Link href={`/plugins/pdm/endpoints/${e.id}/`} className="text-brand-700 hover:underline">
                        {e.name}
                      </Link>
                    </td>
                    <td className="py-1.5 pr-3">
                      <Badge tone={e.outcome === "succeeded" ? (e.unreachable ? "amber" : "green") : e.outcome === "failed" ? "red" : "slate"}>{e.outcome}</Badge>
                      {e.unreachable > 0 && (
                        <p className="mt-1 text-xs text-amber-800">
                          <Link href={`/plugins/pdm/remotes/?pdm_endpoint_id=${e.id}&status=unreachable`} className="hover:underline">
                            {e.unreachable} unreachable
                          </Link>
                        </p>
                      )}
                      {e.error && <p className="mt-1 max-w-sm whitespace-normal break-words text-xs text-red-700">{e.error}</p>}
                    </td>
                    <td className="py-1.5">
                      {e.created} / {e.updated} / {e.deleted} / {e.unchanged}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
      <Card
        title={run.counts_applied || changes.count ? `Changes made (${changes.count})` : "Changes made (0): the branch's changes were not applied"}
        className="mt-5"
        actions={
          changes.count > changes.results.length ? (
            <Link href={`/core/changelog/?sync_run_id=${run.id}`} className="text-xs text-brand-700 hover:underline">
              View all
            </Link>
          ) : undefined
        }
      >
        <ChangelogTable changes={changes.results} showObject existing={await existingChangedObjects(ctx, changes.results)} />
      </Card>
      <Card title="Steps" className="mt-5">
        {run.steps.length === 0 ? (
          <p className="text-sm text-slate-500">{run.engine === "inngest" ? "Steps are recorded in the Inngest dashboard." : "No steps yet."}</p>
        ) : (
          <table className="min-w-full text-sm">
            <thead className="text-left text-xs uppercase text-slate-500">
              <tr>
                <th className="py-1.5 pr-3">Step</th>
                <th className="py-1.5 pr-3">Status</th>
                <th className="py-1.5 pr-3">Attempts</th>
                <th className="py-1.5 pr-3">Duration</th>
                <th className="py-1.5">Error</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {run.steps.map((s) => (
                <tr key={s.step_id}>
                  <td className="py-1.5 pr-3 font-mono text-xs">{s.step_id}</td>
                  <td className="py-1.5 pr-3" data-testid={`step-outcome-${s.step_id}`}>
                    <Badge tone={STEP_TONES[s.outcome]}>{s.outcome.replace("_", " ")}</Badge>
                    {s.detail && s.outcome !== "failed" && <p className="mt-1 max-w-xs whitespace-normal text-xs text-slate-600">{s.detail}</p>}
                  </td>
                  <td className="py-1.5 pr-3">{s.attempts}</td>
                  <td className="py-1.5 pr-3">{s.finished_at ? formatDuration((s.finished_at.getTime() - s.started_at.getTime()) / 1000) : "—"}</td>
                  <td className="max-w-md whitespace-normal break-words py-1.5 text-xs text-red-700">{s.outcome === "failed" ? (s.detail ?? s.error ?? "") : (s.error ?? "")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
