import type { Actor } from "./context";

// A short-lived, per-process cache of who a token or session user is: the API answers hundreds of
// requests a second, and each would otherwise re-read the token and its user. Entries live
// CACHE_TTL_MS; any change to tokens or users in this process clears the cache at once, so a
// deleted token or a demoted user stops working immediately here (other processes: within the TTL).

const CACHE_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  actor: Actor | null;
  until: number;
}

const g = globalThis as typeof globalThis & { __netboxPdmAuthCache?: Map<string, Entry> };
const cache = (g.__netboxPdmAuthCache ??= new Map());

export async function cachedActor(key: string, load: () => Promise<{ actor: Actor | null; expires?: Date | null }>): Promise<Actor | null> {
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.until > now) return hit.actor;
  const { actor, expires } = await load();
  if (cache.size >= MAX_ENTRIES) cache.clear();
  // Never past the token's own expiry.
  cache.set(key, { actor, until: Math.min(now + CACHE_TTL_MS, expires ? expires.getTime() : Infinity) });
  return actor;
}

export function invalidateAuthCache(): void {
  cache.clear();
}
