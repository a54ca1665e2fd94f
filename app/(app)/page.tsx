import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/components/layout/page-header";
import { BarList, Columns } from "@/components/objects/charts";
import { SyncNowButton } from "@/components/objects/pdm-endpoint/endpoint-actions";
import { AutoRefresh } from "@/components/objects/sync-run/auto-refresh";
import { RunStatusBadge } from "@/components/objects/sync-run/status";
import { countsSummary } from "@/components/objects/sync-run/summary";
import { Card } from "@/components/ui/card";
import { can } from "@/lib/auth/permissions";
import { pageContext } from "@/lib/auth/session";
import { countObjects, remoteBreakdown, syncDurationHistory } from "@/lib/services/dashboard";
import { recentSyncRuns } from "@/lib/services/sync-runs";
import { formatDateTime, formatDuration } from "@/lib/ui/format";

export const metadata: Metadata = { title: "Home" };

const RUN_TONE: Record<string, string> = { succeeded: "bg-emerald-500", partial: "bg-amber-500", failed: "bg-red-500", left_open: "bg-violet-500", skipped: "bg-slate-400" };

export default async function HomePage() {
  const ctx = await pageContext();
  const [counts, breakdown, runs, durations] = await Promise.all([countObjects(ctx), remoteBreakdown(ctx), recentSyncRuns(ctx, 8), syncDurationHistory(ctx, 40)]);
  const tiles = [
    { label: "PDM Endpoints", value: counts.pdmEndpoints, href: "/plugins/pdm/endpoints/" },
    { label: "PDM Remotes", value: counts.pdmRemotes, href: "/plugins/pdm/remotes/" },
    { label: "Proxmox Endpoints", value: counts.proxmoxEndpoints, href: "/plugins/proxbox/endpoints/" },
    { label: "PBS Servers", value: counts.pbsServers, href: "/plugins/pbs/servers/" },
    { label: "Sites", value: counts.sites, href: "/dcim/sites/" },
    { label: "Tenants", value: counts.tenants, href: "/tenancy/tenants/" },
  ];
  const live = runs.some((r) => r.status === "queued" || r.status === "running");
  return (
    <>
      <PageHeader
        title="Home"
        subtitle="Your Proxmox Datacenter Manager inventory at a glance."
        actions={
          <>
            <AutoRefresh active={live} ms={2000} />
            {can(ctx.actor, "sync.run") && counts.pdmEndpoints > 0 && <SyncNowButton endpointId={null} label="Sync all now" />}
          </>
        }
      />
      <Card title="Inventory">
        <dl className="grid grid-cols-2 gap-4 sm:grid-cols-3 xl:grid-cols-6" data-testid="object-counts">
          {tiles.map((t) => (
            <div key={t.label} className="rounded-md border border-slate-100 bg-slate-50 p-3">
              <dt className="text-xs font-medium text-slate-500">
                <Link href={t.href} className="hover:text-brand-700 hover:underline">
                  {t.label}
                </Link>
              </dt>
              <dd className="mt-1 text-2xl font-semibold text-slate-900">{t.value}</dd>
            </div>
          ))}
        </dl>
        {counts.pdmEndpoints === 0 && (
          <p className="mt-4 text-sm text-slate-600">
            Nothing here yet:{" "}
            <Link href="/plugins/pdm/endpoints/add/" className="text-brand-700 hover:underline">
              add a PDM endpoint
            </Link>{" "}
            with its API token, then run a sync to fill the inventory.
          </p>
        )}
      </Card>
      <div className="mt-5 grid gap-5 lg:grid-cols-2">
        <Card title="Latest sync runs" actions={<Link href="/plugins/pdm/sync-runs/" className="text-xs text-brand-700 hover:underline">All runs</Link>}>
          {runs.length === 0 ? (
            <p className="text-sm text-slate-500">No sync runs yet.</p>
          ) : (
            <table className="min-w-full text-sm" data-testid="latest-runs">
              <tbody className="divide-y divide-slate-100">
                {runs.map((r) => (
                  <tr key={r.id}>
                    <td className="py-1.5 pr-3">
                      <Link href={`/plugins/pdm/sync-runs/${r.id}/`} className="text-brand-700 hover:underline">
                        #{r.id}
                      </Link>
                    </td>
                    <td className="py-1.5 pr-3">
                      <RunStatusBadge status={r.status} mergeOutcome={r.merge_outcome} unreachable={r.unreachable} />
                    </td>
                    <td className="py-1.5 pr-3 text-slate-600">{formatDateTime(r.started_at ?? r.queued_at)}</td>
                    <td className="py-1.5 pr-3 text-slate-600">{formatDuration(r.duration_seconds)}</td>
                    <td className="py-1.5 text-slate-600" title={countsSummary(r)}>
                      {!r.counts_applied && <span className="mr-1 text-xs italic text-slate-500">proposed</span>}
                      +{r.created} ~{r.updated} −{r.deleted}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card title="Sync duration history">
          <Columns
            unit="s"
            empty="Durations appear after the first finished run."
            points={durations.map((d) => ({ key: d.id, value: d.seconds, label: `Run #${d.id} (${d.status})`, tone: RUN_TONE[d.status] ?? "bg-slate-400", href: `/plugins/pdm/sync-runs/${d.id}/` }))}
          />
        </Card>
        <Card title="Remotes by type">
          <BarList
            empty="No remotes yet."
            hrefFor={(label) => `/plugins/pdm/remotes/?remote_type=${label.toLowerCase()}`}
            items={breakdown.byType.map((t) => ({ label: t.type.toUpperCase(), value: t.count, tone: t.type === "pve" ? "bg-brand-500" : "bg-sky-500" }))}
          />
          <div className="mt-4">
            <BarList
              empty=""
              items={[
                ...breakdown.byStatus.map((s) => ({ label: `status: ${s.status}`, value: s.count, tone: s.status === "ok" ? "bg-emerald-500" : "bg-red-500" })),
                ...breakdown.byLink.map((l) => ({ label: `link: ${l.linkSource}`, value: l.count, tone: "bg-violet-400" })),
              ]}
            />
          </div>
        </Card>
        <Card title="Remotes by version">
          <BarList
            empty="No remotes yet."
            items={breakdown.byVersion.slice(0, 12).map((v) => ({ label: `${v.type.toUpperCase()} ${v.version}`, value: v.count, tone: v.type === "pve" ? "bg-brand-500" : "bg-sky-500" }))}
          />
        </Card>
      </div>
    </>
  );
}
