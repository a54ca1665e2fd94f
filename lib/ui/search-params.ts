import type { ListInput } from "@/lib/services/list";
import { listInputFromSearchParams } from "@/lib/services/list";

// The URL is the state of a list (house style rule 13): q, filters, sort, page, per_page.

export type RawSearchParams = Record<string, string | string[] | undefined>;

export const PER_PAGE_CHOICES = [25, 50, 100, 250, 500] as const;
export const DEFAULT_PER_PAGE = 50;

export function toUrlSearchParams(raw: RawSearchParams): URLSearchParams {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) if (one !== "") p.append(k, one);
  }
  return p;
}

export interface UiListState {
  params: URLSearchParams;
  input: ListInput;
  page: number;
  perPage: number;
  sort: string | null;
}

export function parseListState(raw: RawSearchParams): UiListState {
  const params = toUrlSearchParams(raw);
  const perPageRaw = Number(params.get("per_page"));
  const perPage = (PER_PAGE_CHOICES as readonly number[]).includes(perPageRaw) ? perPageRaw : DEFAULT_PER_PAGE;
  const pageRaw = Number(params.get("page"));
  const page = Number.isInteger(pageRaw) && pageRaw > 0 && pageRaw < 1e6 ? pageRaw : 1;
  const clean = new URLSearchParams(params);
  for (const k of ["limit", "offset"]) clean.delete(k);
  const input = listInputFromSearchParams(clean, { sortParam: "sort" });
  return { params, input: { ...input, limit: perPage, offset: (page - 1) * perPage }, page, perPage, sort: params.get("sort") };
}

/** The same list URL with some parameters replaced (null removes them). */
export function withParams(path: string, params: URLSearchParams, changes: Record<string, string | null>): string {
  const p = new URLSearchParams(params);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) p.delete(k);
    else p.set(k, v);
  }
  const qs = p.toString();
  return qs ? `${path}?${qs}` : path;
}
