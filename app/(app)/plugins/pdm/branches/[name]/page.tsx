import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { notFound } from "next/navigation";
import { PageHeader } from "@/components/layout/page-header";
import { BranchActions } from "@/components/objects/branch/branch-actions";
import { BranchDiffView, KIND_TYPE, summarizeDiff, type DiffSummary } from "@/components/objects/branch/diff";
import { diffRefValues, resolveRefNames } from "@/components/objects/branch/refs";
import { BranchStatusBadge, branchHref, ShortOid } from "@/components/objects/branch/status";
import type { RefNames } from "@/components/objects/branch/values";
import { AttributeTable, Dash } from "@/components/objects/detail";
import { Forbidden } from "@/components/objects/pages";
import { AutoRefresh } from "@/components/objects/sync-run/auto-refresh";
import { RunStatusBadge } from "@/components/objects/sync-run/status";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { TERMINAL_SYNC_RUN_STATUSES, type SyncRunStatus } from "@/db/schema";
import { can } from "@/lib/auth/permissions";
import { pageContext } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { branchDiff, getBranch, type BranchDiffEntry, type BranchRecord } from "@/lib/services/branches";
import { existingChangedObjects } from "@/lib/services/changelog/queries";
import type { ServiceContext } from "@/lib/services/context";
import { getSyncRun } from "@/lib/services/sync-runs";
import { formatDateTime } from "@/lib/ui/format";
import type { RawSearchParams } from "@/lib/ui/search-params";

type Params = { params: Promise<{ name: string }> };

/** The route segment as a branch name; tolerant of a segment that arrives still percent-encoded. */
function candidates(segment: string): string[] {
  const out = [segment];
  try {
    const decoded = decodeURIComponent(segment);
    if (decoded !== segment) out.push(decoded);
  } catch {
    // not an encoded segment
  }
  return out;
}

async function findBranch(ctx: ServiceContext, segment: string): Promise<BranchRecord | null> {
  for (const name of candidates(segment)) {
    try {
      return await getBranch(ctx, name);
    } catch (err) {
      if (!isAppError(err) || err.code !== "not_found") throw err;
    }
  }
  return null;
}

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const segment = (await params).name;
  return { title: `Branch ${candidates(segment).at(-1)}` };
}

function plural(n: number, one: string, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

function Notice({ tone, children }: { tone: "green" | "amber" | "red"; children: ReactNode }) {
  const cls = { green: "border-emerald-200 bg-emerald-50 text-emerald-900", amber: "border-amber-200 bg-amber-50 text-amber-900", red: "border-red-200 bg-red-50 text-red-800" }[tone];
  return (
    <div role={tone === "red" ? "alert" : "status"} className={`mb-5 rounded-lg border p-3 text-sm ${cls}`}>
      {children}
    </div>
  );
}

// A branch for review (SPEC §5, §9): what the run would change, object by object and field by
// field, against its base and the current main; merge (acknowledging conflicts) or discard.
export default async function BranchPage({ params, searchParams }: Params & { searchParams: Promise<RawSearchParams> }) {
  const ctx = await pageContext();
  if (!can(ctx.actor, "inventory.read")) return <Forbidden what="see branches" back="/" />;
  const branch = await findBranch(ctx, (await params).name);
  if (!branch) notFound();
  const query = await searchParams;
  const href = branchHref(branch.name);

  let entries: BranchDiffEntry[] | null = null;
  let diffError: string | null = null;
  let names: RefNames = {};
  let existing = new Set<string>();
  try {
    entries = (await branchDiff(ctx, branch.name)).entries;
    names = await resolveRefNames(ctx, diffRefValues(entries));
    existing = await existingChangedObjects(
      ctx,
      entries.filter((e) => e.id !== null).map((e) => ({ changed_object_type: KIND_TYPE[e.kind], changed_object_id: e.id! })),
    );
  } catch (err) {
    diffError = isAppError(err) ? err.message : `The diff could not be computed: ${err instanceof Error ? err.message : String(err)}`;
  }
  const summary: DiffSummary = entries ? summarizeDiff(entries) : { conflicts: branch.conflict_count, conflictObjects: branch.conflict_count, collisions: 0 };
  const toAcknowledge = summary.conflicts + summary.collisions;

  const runStatus: SyncRunStatus | null = branch.sync_run ? await getSyncRun(ctx, branch.sync_run.id).then((r) => r.status, () => null) : null;
  const runActive = runStatus !== null && !TERMINAL_SYNC_RUN_STATUSES.includes(runStatus);
  const isOpen = branch.status === "open";
  const canMerge = can(ctx.actor, "branch.merge");
  const merged = typeof query.merged === "string" ? query.merged.split(".").map(Number) : null;

  const counts = { create: 0, update: 0, delete: 0 };
  for (const e of entries ?? []) counts[e.action]++;

  return (
    <>
      <PageHeader
        title={
          <span className="inline-flex min-w-0 items-center gap-3">
            <span className="truncate">{branch.name}</span> <BranchStatusBadge status={branch.status} />
          </span>
        }
        crumbs={[{ label: "PDM" }, { label: "Branches", href: "/plugins/pdm/branches/" }, { label: branch.name }]}
        subtitle={
          branch.sync_run ? (
            <>
              Changes of{" "}
              <Link href={`/plugins/pdm/sync-runs/${branch.sync_run.id}/`} className="text-brand-700 hover:underline">
                sync run #{branch.sync_run.id}
              </Link>
              , created {formatDateTime(branch.created_at)}
            </>
          ) : (
            <>Created {formatDateTime(branch.created_at)}</>
          )
        }
        actions={<AutoRefresh active={runActive} ms={2000} />}
      />

      {merged && branch.status === "merged" && (
        <Notice tone="green">
          Branch merged: {merged[0] ?? 0} created, {merged[1] ?? 0} updated, {merged[2] ?? 0} deleted in the database.
        </Notice>
      )}
      {query.discarded && branch.status === "discarded" && <Notice tone="green">Branch discarded: none of its changes were applied.</Notice>}
      {isOpen && !runActive && toAcknowledge > 0 && (
        <Notice tone="amber">
          <strong>{plural(summary.conflicts, "conflicting field")}</strong>
          {summary.conflicts > 0 && ` in ${plural(summary.conflictObjects, "object")}`}
          {summary.collisions > 0 && `${summary.conflicts > 0 ? " and " : ""}${plural(summary.collisions, "name collision")}`}: main changed these since the run started. Merging
          requires acknowledging them, and the branch&apos;s values then replace main&apos;s.
        </Notice>
      )}

      <div className="grid gap-5 lg:grid-cols-5">
        <Card title="Branch" className="lg:col-span-3">
          <AttributeTable
            rows={[
              ["Status", <BranchStatusBadge key="s" status={branch.status} />],
              [
                "Sync run",
                branch.sync_run ? (
                  <span key="r" className="inline-flex items-center gap-2">
                    <Link href={`/plugins/pdm/sync-runs/${branch.sync_run.id}/`} className="text-brand-700 hover:underline">
                      #{branch.sync_run.id}
                    </Link>
                    {runStatus && <RunStatusBadge status={runStatus} />}
                  </span>
                ) : (
                  <Dash />
                ),
              ],
              ["Base commit", <ShortOid key="b" oid={branch.base} />],
              ["Head commit", <ShortOid key="h" oid={branch.head} />],
              ["Merge commit", <ShortOid key="m" oid={branch.merge_commit} />],
              [
                "Changes",
                <span key="c" className="tabular-nums">
                  {entries ? `${counts.create} created, ${counts.update} updated, ${counts.delete} deleted` : `${branch.created} created, ${branch.updated} updated, ${branch.deleted} deleted`}
                </span>,
              ],
              [
                "Conflicts",
                toAcknowledge > 0 ? (
                  <Badge key="x" tone={isOpen ? "red" : "slate"}>
                    {plural(summary.conflicts, "field")}
                    {summary.collisions > 0 ? `, ${plural(summary.collisions, "collision")}` : ""}
                  </Badge>
                ) : (
                  <span key="x" className="text-slate-500">none</span>
                ),
              ],
              ["Created", formatDateTime(branch.created_at)],
              ...(branch.status === "merged" ? ([["Merged", `${formatDateTime(branch.merged_at)} by ${branch.merged_by ?? "—"}`]] as [string, string][]) : []),
              ...(branch.status === "discarded" ? ([["Discarded", `${formatDateTime(branch.discarded_at)} by ${branch.discarded_by ?? "—"}`]] as [string, string][]) : []),
            ]}
          />
        </Card>
        <Card title="Review" className="lg:col-span-2">
          {branch.status === "merged" ? (
            <p className="text-sm text-slate-700">
              Merged into main by <strong>{branch.merged_by ?? "—"}</strong> on {formatDateTime(branch.merged_at)}. The diff below shows main as it was just before the merge.
            </p>
          ) : branch.status === "discarded" ? (
            <p className="text-sm text-slate-700">
              Discarded by <strong>{branch.discarded_by ?? "—"}</strong> on {formatDateTime(branch.discarded_at)}. Its changes were never applied to the database.
            </p>
          ) : runActive ? (
            <p className="text-sm text-slate-700">Sync run #{branch.sync_run?.id} is still under way: the branch can be reviewed once the run has finished.</p>
          ) : canMerge ? (
            <>
              <p className="mb-3 text-sm text-slate-700">
                {toAcknowledge > 0
                  ? "Merge applies the branch's changes to the database, overwriting main's values on the conflicting fields. Discard drops the branch."
                  : "No conflicts: Merge applies the branch's changes to the database. Discard drops the branch."}
              </p>
              <BranchActions name={branch.name} conflicts={toAcknowledge} detailHref={href} />
            </>
          ) : (
            <p className="text-sm text-slate-700" data-testid="review-readonly">
              This branch is waiting for review. Editors and admins can merge or discard it.
            </p>
          )}
        </Card>
      </div>

      <Card
        title={entries ? `Changes (${plural(entries.length, "object")})` : "Changes"}
        className="mt-5"
        actions={
          entries && entries.length > 0 ? (
            <span className="flex flex-wrap gap-1.5 text-xs">
              {counts.create > 0 && <Badge tone="green">{counts.create} added</Badge>}
              {counts.update > 0 && <Badge tone="blue">{counts.update} changed</Badge>}
              {counts.delete > 0 && <Badge tone="red">{counts.delete} deleted</Badge>}
            </span>
          ) : undefined
        }
      >
        {diffError ? (
          <p role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800" data-testid="diff-error">
            {diffError}
          </p>
        ) : (
          <>
            <p className="mb-4 text-xs text-slate-500">
              <span className="font-medium">Base</span>: the inventory when the run started · <span className="font-medium">Branch</span>: what the run found in PDM ·{" "}
              <span className="font-medium">{branch.status === "merged" ? "Main at merge" : "Main now"}</span>: the inventory {branch.status === "merged" ? "just before the merge" : "as it is now"}. Rows marked{" "}
              <Badge tone="red">conflict</Badge> were changed on both sides.
            </p>
            <BranchDiffView entries={entries ?? []} names={names} existing={existing} mainLabel={branch.status === "merged" ? "Main at merge" : "Main now"} />
          </>
        )}
      </Card>
    </>
  );
}
