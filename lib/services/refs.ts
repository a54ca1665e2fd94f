import { inArray } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import type { Executor } from "@/db/client";
import { type pbsServers, type pdmEndpoints, type proxmoxEndpoints, sites, tenants } from "@/db/schema";

/** A brief reference to another object, as records nest them (NetBox's nested brief serializer). */
export interface Ref {
  id: number;
  name: string;
  display: string;
  slug?: string;
}

type NamedTable = typeof sites | typeof tenants | typeof proxmoxEndpoints | typeof pbsServers | typeof pdmEndpoints;

// Brief references (id, name) for nested objects, read on every list request: names are cached
// per process for a few seconds; writes through the services clear a table's cache at once
// (other processes catch up within REF_TTL_MS).

const REF_TTL_MS = 5_000;
interface TableCache {
  until: number;
  refs: Map<number, Ref>;
}
const g = globalThis as typeof globalThis & { __netboxPdmRefCache?: Map<PgTable, TableCache> };
const cache = (g.__netboxPdmRefCache ??= new Map());

export function invalidateRefCache(table: PgTable): void {
  cache.delete(table);
}

/** Brief references for a set of ids of one type, keyed by id. */
export async function loadRefs(db: Executor, table: NamedTable, ids: (number | null | undefined)[]): Promise<Map<number, Ref>> {
  const wanted = [...new Set(ids.filter((i): i is number => typeof i === "number"))];
  if (!wanted.length) return new Map();
  const now = Date.now();
  let entry = cache.get(table);
  if (!entry || entry.until <= now) {
    entry = { until: now + REF_TTL_MS, refs: new Map() };
    cache.set(table, entry);
  }
  const missing = wanted.filter((id) => !entry.refs.has(id));
  if (missing.length) {
    const hasSlug = table === sites || table === tenants;
    const rows = hasSlug
      ? await db
          .select({ id: (table as typeof sites).id, name: (table as typeof sites).name, slug: (table as typeof sites).slug })
          .from(table as typeof sites)
          .where(inArray((table as typeof sites).id, missing))
      : await db.select({ id: table.id, name: table.name }).from(table).where(inArray(table.id, missing));
    if (entry.refs.size > 20_000) entry.refs.clear();
    for (const r of rows) entry.refs.set(r.id, { ...r, display: r.name });
  }
  const out = new Map<number, Ref>();
  for (const id of wanted) {
    const ref = entry.refs.get(id);
    if (ref) out.set(id, ref);
  }
  return out;
}

export function refOrNull(map: Map<number, Ref>, id: number | null | undefined): Ref | null {
  return id === null || id === undefined ? null : (map.get(id) ?? null);
}
