import { sql } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import { rowsOf } from "@/db/client";
import type { ServiceContext } from "@/lib/services/context";

// The REST list endpoints' response cache, kept exact by PostgreSQL's own MVCC.
//
// API clients poll the same list URLs (dashboards, NetBox-style integrations), and a list
// response costs several milliseconds of CPU to read, hydrate, serialize and stringify. Before it
// reads, a list request takes the transaction snapshot (pg_current_snapshot: xmin:xmax and the
// transactions in progress); a repeat of the same request whose snapshot is still equal (nothing
// has committed since, in any process) is answered with the bytes cached then. Data read after
// the snapshot was taken is never older than it, so a cached body is never staler than a fresh
// read. It pays for itself: 16 polling clients get ~900 req/s from it against ~300 without
// (`npm run bench -- web`, target ≥ 300; ARCHITECTURE's ledger).
//
// Nested references' names come from a per-process cache that may lag other processes by up to
// a few seconds (lib/services/refs.ts), so an entry also lives at most that long.
// Keys hold the whole request URL, the base URL absolute links are made from, and the actor.

const TTL_MS = 5_000;

interface Entry {
  snapshot: string;
  body: Buffer<ArrayBuffer>;
}

// One cache per database handle: snapshots of different databases are not comparable.
const g = globalThis as typeof globalThis & { __netboxPdmListCache?: WeakMap<object, LRUCache<string, Entry>> };
const caches = (g.__netboxPdmListCache ??= new WeakMap());

function cacheFor(db: object): LRUCache<string, Entry> {
  let c = caches.get(db);
  if (!c) caches.set(db, (c = new LRUCache<string, Entry>({ max: 256, maxSize: 64 * 1024 * 1024, sizeCalculation: (e) => e.body.length, maxEntrySize: 16 * 1024 * 1024, ttl: TTL_MS })));
  return c;
}

/** The transaction snapshot a statement would run under now; equal snapshots see identical data. */
async function currentSnapshot(ctx: ServiceContext): Promise<string> {
  const [row] = rowsOf<{ s: string }>(await ctx.db.execute(sql`select pg_current_snapshot()::text as s`));
  return String(row?.s ?? "");
}

export function listCacheKey(ctx: ServiceContext, type: string, url: string, baseUrl: string): string {
  const a = ctx.actor;
  return `${type}\n${a.kind}:${a.userId ?? ""}:${a.tokenId ?? ""}:${a.role}:${a.writeEnabled ? 1 : 0}\n${baseUrl}\n${url}`;
}

/** The response body for `key`: the cached one while the database is unchanged, else `compute`'s, cached. */
export async function cachedListBody(ctx: ServiceContext, key: string, compute: () => Promise<Buffer<ArrayBuffer>>): Promise<Buffer<ArrayBuffer>> {
  const cache = cacheFor(ctx.db);
  const snapshot = await currentSnapshot(ctx);
  const hit = cache.get(key);
  if (hit?.snapshot === snapshot) return hit.body;
  const body = await compute();
  cache.set(key, { snapshot, body });
  return body;
}
