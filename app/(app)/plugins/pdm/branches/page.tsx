import type { Metadata } from "next";
import Link from "next/link";
import { ListView } from "@/components/data-table/list-view";
import { BranchStatusBadge, branchHref } from "@/components/objects/branch/status";
import { Forbidden } from "@/components/objects/pages";
import { Badge } from "@/components/ui/badge";
import { BRANCH_STATUSES } from "@/db/schema";
import { can } from "@/lib/auth/permissions";
import { pageContext } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { listBranches, type BranchRecord } from "@/lib/services/branches";
import { formatDateTime } from "@/lib/ui/format";
import { parseListState, type RawSearchParams } from "@/lib/ui/search-params";

export const metadata: Metadata = { title: "Branches" };

function Outcome({ b }: { b: BranchRecord }) {
  if (b.status === "merged") return <span>{b.merged_by ?? "—"}<span className="block text-xs text-slate-500">{formatDateTime(b.merged_at)}</span></span>;
  if (b.status === "discarded") return <span>{b.discarded_by ?? "—"}<span className="block text-xs text-slate-500">{formatDateTime(b.discarded_at)}</span></span>;
  return <span className="text-slate-500">awaiting review</span>;
}

// Sync runs' branches (SPEC §5): open ones wait for review; merged and discarded stay listed.
export default async function BranchesPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const ctx = await pageContext();
  if (!can(ctx.actor, "inventory.read")) return <Forbidden what="see branches" back="/" />;
  const state = parseListState(await searchParams);
  let page;
  try {
    page = await listBranches(ctx, state.input);
  } catch (err) {
    // A filter value the list cannot use shows an empty, explained list.
    if (!isAppError(err) || err.code !== "validation") throw err;
    page = { count: 0, limit: state.perPage, offset: 0, results: [] as BranchRecord[] };
  }
  return (
    <ListView<BranchRecord>
      title="Branches"
      crumbs={[{ label: "PDM" }, { label: "Branches" }]}
      path="/plugins/pdm/branches/"
      page={page}
      state={state}
      canWrite={false}
      empty={
        <>
          No branches yet. Branches appear when branching is enabled in{" "}
          <Link href="/plugins/pdm/settings/" className="font-medium text-brand-700 hover:underline">
            Plugin Settings
          </Link>
          : each sync run then writes its changes to a branch of its own, merged at once when nothing conflicts or left open here for review.
        </>
      }
      filters={[{ name: "status", label: "Status", options: BRANCH_STATUSES.map((s) => ({ value: s, label: s })) }]}
      columns={[
        {
          label: "Name",
          sort: "name",
          render: (b) => (
            <Link href={branchHref(b.name)} className="font-medium text-brand-700 hover:underline">
              {b.name}
            </Link>
          ),
        },
        { label: "Status", sort: "status", render: (b) => <BranchStatusBadge status={b.status} /> },
        {
          label: "Sync run",
          render: (b) =>
            b.sync_run ? (
              <Link href={`/plugins/pdm/sync-runs/${b.sync_run.id}/`} className="text-brand-700 hover:underline">
                #{b.sync_run.id}
              </Link>
            ) : (
              <span className="text-slate-400">—</span>
            ),
        },
        {
          label: "Created / updated / deleted",
          render: (b) => (
            <span className="tabular-nums">
              <span className="text-emerald-700">{b.created}</span> / <span className="text-sky-700">{b.updated}</span> / <span className="text-red-700">{b.deleted}</span>
            </span>
          ),
        },
        {
          label: "Conflicts",
          render: (b) => (b.conflict_count > 0 ? <Badge tone={b.status === "open" ? "red" : "slate"}>{b.conflict_count}</Badge> : <span className="text-slate-400">0</span>),
        },
        { label: "Created", sort: "created", render: (b) => formatDateTime(b.created_at) },
        { label: "Reviewed by", render: (b) => <Outcome b={b} /> },
      ]}
    />
  );
}
