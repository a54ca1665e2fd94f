import { OBJECT_TYPES, referenceFields, type ObjectType } from "@/lib/object-types";
import type { Page } from "@/lib/services/list";

// Records → NetBox JSON: `id`, `url`, `display` first; nested references get their `url`;
// dates as ISO strings, made here: a Date left to JSON.stringify costs it its fast path (a 50-row
// page stringifies in twice the time).

export function objectUrl(baseUrl: string, type: ObjectType, id: number | string): string {
  return `${baseUrl}${OBJECT_TYPES[type].apiPath}${id}/`;
}

// Hot path: a list page serializes up to 1,000 records, so plain loops, no entries/spread copies.

function withUrl(baseUrl: string, type: ObjectType, ref: unknown): unknown {
  if (ref === null || typeof ref !== "object" || !("id" in ref)) return ref;
  const r = ref as { id: number; [k: string]: unknown };
  const out: Record<string, unknown> = { id: r.id, url: objectUrl(baseUrl, type, r.id) };
  for (const k in r) if (k !== "id") out[k] = r[k];
  return out;
}

export function serializeRecord(type: ObjectType, rec: { id: number | string; display: string }, baseUrl: string): Record<string, unknown> {
  const refs = referenceFields(type);
  const src = rec as Record<string, unknown>;
  const out: Record<string, unknown> = { id: rec.id, url: objectUrl(baseUrl, type, rec.id), display: rec.display };
  for (const k in src) {
    if (k === "id" || k === "display") continue;
    const v = src[k];
    const refType = refs[k];
    if (refType) out[k] = Array.isArray(v) ? v.map((x) => withUrl(baseUrl, refType, x)) : withUrl(baseUrl, refType, v);
    else out[k] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}

/** NetBox's brief representation: `{id, url, display, name}` (plus slug where there is one). */
export function serializeBrief(type: ObjectType, rec: { id: number | string; display: string; name?: unknown; slug?: unknown }, baseUrl: string) {
  return {
    id: rec.id,
    url: objectUrl(baseUrl, type, rec.id),
    display: rec.display,
    name: rec.name ?? rec.display,
    ...(rec.slug !== undefined ? { slug: rec.slug } : {}),
  };
}

/** The list envelope with absolute next/previous links built from the request URL. */
export function paginated<T>(
  page: Page<T>,
  reqUrl: string,
  baseUrl: string,
  mapItem: (item: T) => unknown,
): { count: number; next: string | null; previous: string | null; results: unknown[] } {
  const url = new URL(reqUrl);
  const link = (offset: number) => {
    const u = new URL(url.pathname + url.search, baseUrl);
    u.searchParams.set("limit", String(page.limit));
    if (offset > 0) u.searchParams.set("offset", String(offset));
    else u.searchParams.delete("offset");
    return u.toString();
  };
  const nextOffset = page.offset + page.limit;
  return {
    count: page.count,
    next: nextOffset < page.count ? link(nextOffset) : null,
    previous: page.offset > 0 ? link(Math.max(0, page.offset - page.limit)) : null,
    results: page.results.map(mapItem),
  };
}

export function isBrief(params: URLSearchParams): boolean {
  const v = params.get("brief");
  return v !== null && v !== "" && v.toLowerCase() !== "false";
}
