import { and, count, desc, isNotNull } from "drizzle-orm";
import { pbsServers, pdmEndpoints, pdmRemotes, proxmoxEndpoints, sites, syncRuns, tenants } from "@/db/schema";
import { authorize } from "@/lib/auth/permissions";
import type { ServiceContext } from "./context";

export interface ObjectCounts {
  pdmEndpoints: number;
  pdmRemotes: number;
  sites: number;
  tenants: number;
  proxmoxEndpoints: number;
  pbsServers: number;
}

/** The home dashboard's object counts. */
export async function countObjects(ctx: ServiceContext): Promise<ObjectCounts> {
  authorize(ctx.actor, "inventory.read");
  const n = async (table: typeof sites | typeof tenants | typeof pdmEndpoints | typeof pdmRemotes | typeof proxmoxEndpoints | typeof pbsServers) =>
    Number((await ctx.db.select({ n: count() }).from(table))[0]?.n ?? 0);
  const [a, b, c, d, e, f] = await Promise.all([n(pdmEndpoints), n(pdmRemotes), n(sites), n(tenants), n(proxmoxEndpoints), n(pbsServers)]);
  return { pdmEndpoints: a, pdmRemotes: b, sites: c, tenants: d, proxmoxEndpoints: e, pbsServers: f };
}

export interface RemoteBreakdown {
  byType: { type: string; count: number }[];
  /** Versions per type, most common first (nulls as "unknown"). */
  byVersion: { type: string; version: string; count: number }[];
  byStatus: { status: string; count: number }[];
  byLink: { linkSource: string; count: number }[];
}

/** Remotes by type, version, status and link source (the dashboard charts, SPEC §9). */
export async function remoteBreakdown(ctx: ServiceContext): Promise<RemoteBreakdown> {
  authorize(ctx.actor, "inventory.read");
  const [byType, byVersion, byStatus, byLink] = await Promise.all([
    ctx.db.select({ type: pdmRemotes.remoteType, count: count() }).from(pdmRemotes).groupBy(pdmRemotes.remoteType),
    ctx.db
      .select({ type: pdmRemotes.remoteType, version: pdmRemotes.version, count: count() })
      .from(pdmRemotes)
      .groupBy(pdmRemotes.remoteType, pdmRemotes.version),
    ctx.db.select({ status: pdmRemotes.status, count: count() }).from(pdmRemotes).groupBy(pdmRemotes.status),
    ctx.db.select({ linkSource: pdmRemotes.linkSource, count: count() }).from(pdmRemotes).groupBy(pdmRemotes.linkSource),
  ]);
  return {
    byType: byType.map((r) => ({ type: r.type, count: Number(r.count) })),
    byVersion: byVersion
      .map((r) => ({ type: r.type, version: r.version ?? "unknown", count: Number(r.count) }))
      .sort((a, b) => b.count - a.count || a.version.localeCompare(b.version, undefined, { numeric: true })),
    byStatus: byStatus.map((r) => ({ status: r.status, count: Number(r.count) })),
    byLink: byLink.map((r) => ({ linkSource: r.linkSource, count: Number(r.count) })),
  };
}

export interface SyncDurationPoint {
  id: number;
  status: string;
  startedAt: Date;
  seconds: number;
}

/** Finished runs' durations, oldest first (the dashboard's sync duration history). */
export async function syncDurationHistory(ctx: ServiceContext, limit = 30): Promise<SyncDurationPoint[]> {
  authorize(ctx.actor, "inventory.read");
  const rows = await ctx.db
    .select({ id: syncRuns.id, status: syncRuns.status, startedAt: syncRuns.startedAt, finishedAt: syncRuns.finishedAt })
    .from(syncRuns)
    .where(and(isNotNull(syncRuns.startedAt), isNotNull(syncRuns.finishedAt)))
    .orderBy(desc(syncRuns.id))
    .limit(limit);
  return rows
    .map((r) => ({ id: r.id, status: r.status, startedAt: r.startedAt!, seconds: (r.finishedAt!.getTime() - r.startedAt!.getTime()) / 1000 }))
    .reverse();
}
