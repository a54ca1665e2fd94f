import { eq, sql } from "drizzle-orm";
import { bulkInsert, idIn } from "@/db/bulk";
import { pdmEndpoints, pdmRemotes, type NewPdmRemote, type PdmRemote } from "@/db/schema";
import { unchangedLastUpdated } from "@/db/schema/columns";
import { recordChanges, type ChangeInput } from "@/lib/services/changelog/record";
import type { ServiceContext } from "@/lib/services/context";
import { pdmEndpointService, pdmEndpointSnapshot } from "@/lib/services/pdm-endpoints";
import { pdmRemoteRowSnapshot } from "@/lib/services/pdm-remotes";
import { slicer } from "@/lib/util/time-slice";
import type { ReconcilePlan, RemoteState } from "./reconcile";

// Applies one endpoint's reconcile plan to the database. The caller runs it inside one
// transaction per endpoint (SPEC §4 step 4): an endpoint is either fully synced or untouched.

export interface ApplyCounts {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

const snapshotRow = pdmRemoteRowSnapshot;

function stateColumns(s: Partial<RemoteState>): Partial<NewPdmRemote> {
  return { ...s };
}

export async function applyRemotePlan(ctx: ServiceContext, endpointId: number, plan: ReconcilePlan, now: Date): Promise<ApplyCounts> {
  const changes: ChangeInput[] = [];

  if (plan.deletes.length) {
    await ctx.db.delete(pdmRemotes).where(idIn(pdmRemotes.id, plan.deletes.map((r) => r.id)));
    for (const r of plan.deletes)
      changes.push({ action: "delete", objectType: "netbox_pdm.pdmremote", objectId: r.id, repr: r.name, pre: snapshotRow(r), post: null });
  }

  if (plan.updates.length) {
    // Renames free their old names first, so a rename chain (a→b, b→c) never trips the unique key.
    const renamed = plan.updates.filter((u) => u.renamedFrom !== null);
    if (renamed.length) {
      await ctx.db
        .update(pdmRemotes)
        .set({ name: sql`'~renaming~' || ${pdmRemotes.id}::text` })
        .where(idIn(pdmRemotes.id, renamed.map((u) => u.id)));
    }
    for (const u of plan.updates) {
      const after: PdmRemote = { ...u.before, ...stateColumns(u.changes), linkCandidates: u.linkCandidates, lastSeenAt: now, lastUpdated: now } as PdmRemote;
      await ctx.db
        .update(pdmRemotes)
        .set({ ...stateColumns(u.changes), ...(u.renamedFrom !== null ? { name: after.name } : {}), linkCandidates: u.linkCandidates, lastSeenAt: now, lastUpdated: now })
        .where(eq(pdmRemotes.id, u.id));
      changes.push({ action: "update", objectType: "netbox_pdm.pdmremote", objectId: u.id, repr: after.name, pre: snapshotRow(u.before), post: snapshotRow(after) });
    }
  }

  if (plan.creates.length) {
    const rows: NewPdmRemote[] = plan.creates.map((c) => ({
      pdmEndpointId: endpointId,
      name: c.name,
      remoteType: c.remoteType,
      version: c.version,
      nodes: c.nodes,
      webUrl: c.webUrl,
      authid: c.authid,
      status: c.status,
      lastError: c.lastError,
      lastSeenAt: now,
      linkedProxmoxEndpointId: c.linkedProxmoxEndpointId,
      linkedPbsServerId: c.linkedPbsServerId,
      linkSource: c.linkSource,
      linkCandidates: c.linkCandidates,
      description: "",
      created: now,
      lastUpdated: now,
    }));
    const created = await bulkInsert(ctx.db, pdmRemotes, rows);
    const slice = slicer();
    for (const row of created) {
      changes.push({ action: "create", objectType: "netbox_pdm.pdmremote", objectId: row.id, repr: row.name, pre: null, post: snapshotRow(row) });
      await slice();
    }
  }

  // Seen and unchanged: only the volatile fields move, without change-log entries (SPEC §4).
  if (plan.unchanged.length) {
    await ctx.db
      .update(pdmRemotes)
      .set({ lastSeenAt: now, ...unchangedLastUpdated(pdmRemotes.lastUpdated) })
      .where(idIn(pdmRemotes.id, plan.unchanged.map((u) => u.id)));
    await updateLinkCandidates(ctx, plan.unchanged);
  }

  await recordChanges(ctx, changes);
  return { created: plan.creates.length, updated: plan.updates.length, deleted: plan.deletes.length, unchanged: plan.unchanged.length };
}

/**
 * The endpoint's own sync-owned fields: PDM version and last_seen_at on success, last_error on
 * failure (cleared on success). Only real changes (not last_seen_at) are change-logged.
 */
export async function applyEndpointOutcome(
  ctx: ServiceContext,
  endpointId: number,
  outcome: { ok: true; version: string | null } | { ok: false; error: string },
  now: Date,
): Promise<void> {
  const [before] = await pdmEndpointService.load(ctx.db, [endpointId]);
  if (!before) return;
  // version null: with branching, the version goes to the branch; only volatile fields move here.
  const version = outcome.ok && outcome.version !== null ? outcome.version : before.version;
  const set = outcome.ok ? { version, lastSeenAt: now, lastError: null } : { lastError: outcome.error };
  const changed = outcome.ok ? before.version !== version || before.last_error !== null : before.last_error !== outcome.error;
  await ctx.db
    .update(pdmEndpoints)
    .set({ ...set, ...(changed ? { lastUpdated: now } : unchangedLastUpdated(pdmEndpoints.lastUpdated)) })
    .where(eq(pdmEndpoints.id, endpointId));
  if (!changed) return;
  const [after] = await pdmEndpointService.load(ctx.db, [endpointId]);
  await recordChanges(ctx, [
    { action: "update", objectType: "netbox_pdm.pdmendpoint", objectId: endpointId, repr: before.name, pre: pdmEndpointSnapshot(before), post: pdmEndpointSnapshot(after!) },
  ]);
}

/**
 * With branching (SPEC §5), what is not in the snapshot is not reviewed: last_seen_at, link
 * candidates, and a remote's reachability (status, last_error) are written at once; the rest of
 * the plan goes to the branch.
 */
export async function applyVolatile(ctx: ServiceContext, plan: ReconcilePlan, now: Date): Promise<void> {
  const seen = [...plan.unchanged.map((u) => u.id), ...plan.updates.map((u) => u.id)];
  if (seen.length) await ctx.db.update(pdmRemotes).set({ lastSeenAt: now, ...unchangedLastUpdated(pdmRemotes.lastUpdated) }).where(idIn(pdmRemotes.id, seen));
  await updateLinkCandidates(ctx, [
    ...plan.unchanged,
    ...plan.updates.map((u) => ({ id: u.id, linkCandidates: u.linkCandidates, candidatesChanged: !sameCandidates(u.before.linkCandidates, u.linkCandidates) })),
  ]);
  const changes: ChangeInput[] = [];
  for (const u of plan.updates) {
    if (!("status" in u.changes) && !("lastError" in u.changes)) continue;
    const volatile = { status: u.changes.status ?? u.before.status, lastError: "lastError" in u.changes ? (u.changes.lastError ?? null) : u.before.lastError };
    const after = { ...u.before, ...volatile, lastSeenAt: now, lastUpdated: now } as PdmRemote;
    await ctx.db.update(pdmRemotes).set({ ...volatile, lastUpdated: now }).where(eq(pdmRemotes.id, u.id));
    changes.push({ action: "update", objectType: "netbox_pdm.pdmremote", objectId: u.id, repr: u.before.name, pre: snapshotRow(u.before), post: snapshotRow(after) });
  }
  await recordChanges(ctx, changes);
}

const sameCandidates = (a: number[] | null | undefined, b: number[]) => JSON.stringify(a ?? []) === JSON.stringify(b);

/** Link candidates (volatile, shown as "ambiguous") that moved, in one statement. */
async function updateLinkCandidates(ctx: ServiceContext, rows: { id: number; linkCandidates: number[]; candidatesChanged: boolean }[]): Promise<void> {
  const moved = rows.filter((r) => r.candidatesChanged).map((r) => ({ id: r.id, c: r.linkCandidates }));
  for (let i = 0; i < moved.length; i += 2000) {
    await ctx.db.execute(
      sql`update ${pdmRemotes} set link_candidates = x.c from jsonb_to_recordset(${JSON.stringify(moved.slice(i, i + 2000))}::jsonb) as x(id integer, c jsonb) where ${pdmRemotes.id} = x.id`,
    );
  }
}
