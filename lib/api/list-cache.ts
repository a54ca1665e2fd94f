import { currentSnapshot } from "@/db/prepared";
import type { ServiceContext } from "@/lib/services/context";

// The REST list endpoints' response cache, kept exact by PostgreSQL's own MVCC.
//
// API clients poll the same list URLs (dashboards, NetBox-style integrations), and a list
// response costs several milliseconds of CPU to read, hydrate, serialize and stringify. A list
// query reports the snapshot it ran under (Page.snapshot). A repeat of the same request first asks
// for the current snapshot, one small prepared statement; when it equals the cached one, no
// transaction has committed since, so the query would see exactly the same rows, and the cached
// bytes are the answer. Any commit anywhere (from any process) changes the snapshot and the next
// request reads afresh. NetBox itself long cached querysets (cacheops); this cache has no
// invalidation to forget.
//
// Nested references' names come from a per-process cache that may lag other processes by up to
// REF_TTL_MS (lib/services/refs.ts), so an entry also lives at most that long: a cached body is
// never staler than an uncached read could be.
//
// Keys hold the whole request URL, the base URL absolute links are made from, and the actor.

const TTL_MS = 5_000;
const MAX_ENTRIES = 256;
const MAX_BYTES = 64 * 1024 * 1024;

interface Entry {
  snapshot: string;
  body: Buffer<ArrayBuffer>;
  until: number;
}

interface Cache {
  entries: Map<string, Entry>;
  bytes: number;
}

// One cache per database handle: snapshots of different databases are not comparable.
const g = globalThis as typeof globalThis & { __netboxPdmListCache?: WeakMap<object, Cache> };
const caches = (g.__netboxPdmListCache ??= new WeakMap());

function cacheFor(db: object): Cache {
  let c = caches.get(db);
  if (!c) caches.set(db, (c = { entries: new Map(), bytes: 0 }));
  return c;
}

function remove(c: Cache, key: string): void {
  const e = c.entries.get(key);
  if (!e) return;
  c.entries.delete(key);
  c.bytes -= e.body.length;
}

function store(c: Cache, key: string, entry: Entry): void {
  remove(c, key);
  if (entry.body.length > MAX_BYTES / 4) return;
  // Map order is insertion order: the oldest entries go first.
  for (const k of c.entries.keys()) {
    if (c.entries.size < MAX_ENTRIES && c.bytes + entry.body.length <= MAX_BYTES) break;
    remove(c, k);
  }
  c.entries.set(key, entry);
  c.bytes += entry.body.length;
}

export function listCacheKey(ctx: ServiceContext, type: string, url: string, baseUrl: string): string {
  const a = ctx.actor;
  return `${type}\n${a.kind}:${a.userId ?? ""}:${a.tokenId ?? ""}:${a.role}:${a.writeEnabled ? 1 : 0}\n${baseUrl}\n${url}`;
}

/**
 * The response body for `key`: the cached one while the database is unchanged, else `compute`'s,
 * cached when it reports the snapshot it read under.
 */
export async function cachedListBody(
  ctx: ServiceContext,
  key: string,
  compute: () => Promise<{ body: Buffer<ArrayBuffer>; snapshot?: string }>,
): Promise<Buffer<ArrayBuffer>> {
  const cache = cacheFor(ctx.db);
  const hit = cache.entries.get(key);
  if (hit) {
    if (hit.until > Date.now() && (await currentSnapshot(ctx.db)) === hit.snapshot) return hit.body;
    remove(cache, key);
  }
  const { body, snapshot } = await compute();
  if (snapshot) store(cache, key, { snapshot, body, until: Date.now() + TTL_MS });
  return body;
}
