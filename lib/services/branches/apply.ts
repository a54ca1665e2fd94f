import { eq, getTableColumns, sql } from "drizzle-orm";
import { bulkInsert, idIn, rowMapper } from "@/db/bulk";
import { rowsOf } from "@/db/client";
import { pdmEndpointPbsServers, pdmEndpointProxmoxEndpoints, pdmEndpoints, pdmRemotes, type NewPdmRemote, type PdmRemote } from "@/db/schema";
import type { JsonObject, PlanEntry } from "@/lib/git";
import { recordChanges, type ChangeInput } from "../changelog/record";
import type { ServiceContext } from "../context";
import { PDM_ENDPOINT_COLUMNS, pdmEndpointService, pdmEndpointSnapshot } from "../pdm-endpoints";
import { PDM_REMOTE_COLUMNS, pdmRemoteRowSnapshot } from "../pdm-remotes";
import { ENDPOINTS_DIR, REMOTES_DIR } from "./snapshot";

// A merge plan (per object: the fields the branch changed) applied to the database, inside the
// caller's transaction, with change-log entries. Only the fields the branch changed are written,
// so edits made on main to other fields stay.

// The fields a snapshot holds, as columns (status and last_error are volatile: never in a snapshot).
const { status: _status, last_error: _lastError, ...SNAPSHOT_REMOTE_COLUMNS } = PDM_REMOTE_COLUMNS;
const REMOTE_COLUMNS: Record<string, keyof NewPdmRemote> = {
  ...SNAPSHOT_REMOTE_COLUMNS,
  linked_proxmox_endpoint: "linkedProxmoxEndpointId",
  linked_pbs_server: "linkedPbsServerId",
  link_source: "linkSource",
};
const ENDPOINT_COLUMNS: Record<string, string> = { ...PDM_ENDPOINT_COLUMNS, version: "version" };

function columns(fields: JsonObject, map: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (map[k]) out[map[k]] = v;
  return out;
}

/**
 * Updates many remotes in a statement per set of changed columns (a merge changes thousands):
 * `update … from jsonb_to_recordset(…)`, one jsonb parameter per chunk, as db/bulk.ts inserts.
 * Undefined values are left out, as drizzle's `set` does. Returns the updated rows by id.
 */
async function bulkUpdateRemotes(ctx: ServiceContext, items: { id: number; set: Record<string, unknown> }[], now: Date): Promise<Map<number, PdmRemote>> {
  const out = new Map<number, PdmRemote>();
  const table = getTableColumns(pdmRemotes);
  const groups = new Map<string, { keys: string[]; rows: { id: number; set: Record<string, unknown> }[] }>();
  for (const item of items) {
    const keys = Object.keys(item.set)
      .filter((k) => item.set[k] !== undefined && k in table)
      .sort();
    const sig = keys.join(",");
    if (!groups.has(sig)) groups.set(sig, { keys, rows: [] });
    groups.get(sig)!.rows.push(item);
  }
  const map = rowMapper(pdmRemotes);
  const idCol = table.id;
  const updatedCol = table.lastUpdated;
  for (const { keys, rows } of groups.values()) {
    const cols = keys.map((k) => table[k as keyof typeof table]);
    const assign = sql.join(
      [...cols.map((c) => sql`${sql.identifier(c.name)} = x.${sql.identifier(c.name)}`), sql`${sql.identifier(updatedCol.name)} = ${now.toISOString()}::timestamptz`],
      sql`, `,
    );
    const typed = sql.raw([`"${idCol.name}" integer`, ...cols.map((c) => `"${c.name}" ${c.getSQLType()}`)].join(", "));
    for (let i = 0; i < rows.length; i += 2000) {
      const payload = rows.slice(i, i + 2000).map((r) => {
        const o: Record<string, unknown> = { [idCol.name]: r.id };
        keys.forEach((k, j) => (o[cols[j]!.name] = r.set[k] instanceof Date ? (r.set[k] as Date).toISOString() : (r.set[k] ?? null)));
        return o;
      });
      const result = await ctx.db.execute(
        sql`update ${pdmRemotes} set ${assign} from jsonb_to_recordset(${JSON.stringify(payload)}::jsonb) as x(${typed}) where ${pdmRemotes}.${sql.identifier(idCol.name)} = x.${sql.identifier(idCol.name)} returning ${pdmRemotes}.*`,
      );
      for (const raw of rowsOf<Record<string, unknown>>(result)) {
        const row = map(raw);
        out.set(row.id, row);
      }
    }
  }
  return out;
}

const remoteSnap = pdmRemoteRowSnapshot;

export interface AppliedMerge {
  created: number;
  updated: number;
  deleted: number;
  /** The ids the created objects received, by their path in the merged tree. */
  createdIds: Map<string, number>;
}

export async function applyMergePlan(ctx: ServiceContext, plan: PlanEntry[]): Promise<AppliedMerge> {
  const now = new Date();
  const changes: ChangeInput[] = [];
  const createdIds = new Map<string, number>();
  const remotes = plan.filter((p) => p.path.startsWith(`${REMOTES_DIR}/`));
  const endpoints = plan.filter((p) => p.path.startsWith(`${ENDPOINTS_DIR}/`));
  const idOf = (p: PlanEntry) => Number((p.before?.id ?? p.after?.id) as number);

  // Remotes: deletes, then updates (renames free their old names first), then creates.
  const deletes = remotes.filter((p) => p.action === "delete");
  if (deletes.length) {
    const rows = await ctx.db.select().from(pdmRemotes).where(idIn(pdmRemotes.id, deletes.map(idOf)));
    await ctx.db.delete(pdmRemotes).where(idIn(pdmRemotes.id, rows.map((r) => r.id)));
    for (const r of rows) changes.push({ action: "delete", objectType: "netbox_pdm.pdmremote", objectId: r.id, repr: r.name, pre: remoteSnap(r), post: null });
  }
  const updates = remotes.filter((p) => p.action === "update");
  if (updates.length) {
    const before = new Map((await ctx.db.select().from(pdmRemotes).where(idIn(pdmRemotes.id, updates.map(idOf)))).map((r) => [r.id, r]));
    const present = updates.filter((p) => before.has(idOf(p)));
    const renamed = present.filter((p) => "name" in p.fields).map(idOf);
    if (renamed.length) {
      await ctx.db.update(pdmRemotes).set({ name: sql`'~merging~' || ${pdmRemotes.id}::text` }).where(idIn(pdmRemotes.id, renamed));
    }
    const after = await bulkUpdateRemotes(ctx, present.map((p) => ({ id: idOf(p), set: columns(p.fields, REMOTE_COLUMNS) })), now);
    for (const p of present) {
      const id = idOf(p);
      const row = after.get(id);
      if (!row) throw new Error(`remote ${id} vanished while the merge was applied`);
      changes.push({ action: "update", objectType: "netbox_pdm.pdmremote", objectId: id, repr: row.name, pre: remoteSnap(before.get(id)!), post: remoteSnap(row) });
    }
  }
  const creates = remotes.filter((p) => p.action === "create");
  if (creates.length) {
    const rows = creates.map((p) => ({
      ...(columns(p.after ?? p.fields, REMOTE_COLUMNS) as Partial<NewPdmRemote>),
      status: "ok" as const,
      lastSeenAt: now,
      created: now,
      lastUpdated: now,
    })) as NewPdmRemote[];
    const inserted = await bulkInsert(ctx.db, pdmRemotes, rows);
    const pathOf = new Map(creates.map((p) => [`${String((p.after ?? p.fields).pdm_endpoint)}\u0000${String((p.after ?? p.fields).name)}`, p.path]));
    for (const r of inserted) {
      const at = pathOf.get(`${r.pdmEndpointId}\u0000${r.name}`);
      if (at) createdIds.set(at, r.id);
    }
    for (const r of inserted) changes.push({ action: "create", objectType: "netbox_pdm.pdmremote", objectId: r.id, repr: r.name, pre: null, post: remoteSnap(r) });
  }

  // Endpoints: only updates (a sync never creates or deletes PDM endpoints).
  for (const p of endpoints.filter((e) => e.action === "update")) {
    const id = idOf(p);
    const [before] = await pdmEndpointService.load(ctx.db, [id]);
    if (!before) continue;
    const set = columns(p.fields, ENDPOINT_COLUMNS);
    if (Object.keys(set).length) await ctx.db.update(pdmEndpoints).set({ ...set, lastUpdated: now }).where(eq(pdmEndpoints.id, id));
    if (Array.isArray(p.fields.proxmox_endpoints)) {
      await ctx.db.delete(pdmEndpointProxmoxEndpoints).where(eq(pdmEndpointProxmoxEndpoints.pdmEndpointId, id));
      const ids = p.fields.proxmox_endpoints as number[];
      if (ids.length) await ctx.db.insert(pdmEndpointProxmoxEndpoints).values(ids.map((x) => ({ pdmEndpointId: id, proxmoxEndpointId: x })));
    }
    if (Array.isArray(p.fields.pbs_servers)) {
      await ctx.db.delete(pdmEndpointPbsServers).where(eq(pdmEndpointPbsServers.pdmEndpointId, id));
      const ids = p.fields.pbs_servers as number[];
      if (ids.length) await ctx.db.insert(pdmEndpointPbsServers).values(ids.map((x) => ({ pdmEndpointId: id, pbsServerId: x })));
    }
    const [after] = await pdmEndpointService.load(ctx.db, [id]);
    changes.push({ action: "update", objectType: "netbox_pdm.pdmendpoint", objectId: id, repr: after!.name, pre: pdmEndpointSnapshot(before), post: pdmEndpointSnapshot(after!) });
  }
  await recordChanges(ctx, changes);
  return {
    created: creates.length,
    updated: updates.length + endpoints.filter((e) => e.action === "update").length,
    deleted: deletes.length,
    createdIds,
  };
}
