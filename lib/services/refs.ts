import { inArray } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { type pbsServers, type pdmEndpoints, type proxmoxEndpoints, sites, tenants } from "@/db/schema";
import type { Ref } from "./crud";

type NamedTable = typeof sites | typeof tenants | typeof proxmoxEndpoints | typeof pbsServers | typeof pdmEndpoints;

/** Brief references for a set of ids of one type, keyed by id. */
export async function loadRefs(db: Executor, table: NamedTable, ids: (number | null | undefined)[]): Promise<Map<number, Ref>> {
  const wanted = [...new Set(ids.filter((i): i is number => typeof i === "number"))];
  if (!wanted.length) return new Map();
  const hasSlug = table === sites || table === tenants;
  const rows = hasSlug
    ? await db
        .select({ id: (table as typeof sites).id, name: (table as typeof sites).name, slug: (table as typeof sites).slug })
        .from(table as typeof sites)
        .where(inArray((table as typeof sites).id, wanted))
    : await db.select({ id: table.id, name: table.name }).from(table).where(inArray(table.id, wanted));
  return new Map(rows.map((r) => [r.id, { ...r, display: r.name }]));
}

export function refOrNull(map: Map<number, Ref>, id: number | null | undefined): Ref | null {
  return id === null || id === undefined ? null : (map.get(id) ?? null);
}
