import { and, asc, desc, eq, gt, gte, ilike, inArray, isNotNull, isNull, lt, lte, ne, not, notInArray, or, sql, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { addFieldError, ValidationError, type FieldErrors } from "@/lib/errors";

// NetBox-style list queries (SPEC §6): field filters (repeatable = OR), lookups, `q`, ordering,
// limit/offset. One implementation for every object type; each type declares a ListSpec.

export type FilterKind = "string" | "int" | "fk" | "bool" | "enum" | "datetime" | "uuid";
type Expr = AnyPgColumn | SQL;

export interface FilterDef {
  expr: Expr;
  kind: FilterKind;
  /** Allowed values for enum filters. */
  values?: readonly string[];
}

export interface ListSpec {
  filters: Record<string, FilterDef>;
  /** Sortable fields (API `ordering`, UI `sort`). */
  ordering: Record<string, Expr>;
  defaultOrdering: string[];
  /** Columns `q` searches (case-insensitive substring). */
  search: Expr[];
  /** The table's id column: the final tie-breaker so pages are stable. */
  id: AnyPgColumn;
}

export interface ListInput {
  q?: string;
  /** `name`, `name__ic`, `site_id__n` … → values; several values mean OR. */
  filters?: Record<string, string[]>;
  ordering?: string[];
  limit?: number;
  offset?: number;
}

export interface Page<T> {
  count: number;
  limit: number;
  offset: number;
  results: T[];
}

/**
 * A page whose ids one query found (filtered, ordered, limited) and another query loaded:
 * the records in the ids' order.
 */
export function pageInIdOrder<T extends { id: number }>(ids: number[], records: T[], total: number, limit: number, offset: number): Page<T> {
  const byId = new Map(records.map((r) => [r.id, r]));
  return { count: total, limit, offset, results: ids.map((id) => byId.get(id)).filter((r): r is T => !!r) };
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;

export const LOOKUPS: Record<FilterKind, readonly string[]> = {
  string: ["exact", "n", "ic", "nic", "ie", "nie", "isw", "nisw", "iew", "niew", "isnull", "empty"],
  int: ["exact", "n", "lt", "lte", "gt", "gte", "isnull"],
  fk: ["exact", "n", "isnull"],
  bool: ["exact", "isnull"],
  enum: ["exact", "n", "isnull"],
  datetime: ["exact", "lt", "lte", "gt", "gte", "isnull"],
  // Exact values must be UUIDs; the text lookups search its text form.
  uuid: ["exact", "n", "ic", "nic", "ie", "nie", "isw", "nisw", "iew", "niew", "isnull"],
};

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TEXT_LOOKUPS = new Set(["ic", "nic", "ie", "nie", "isw", "nisw", "iew", "niew"]);

/** Query keys that are not filters. */
export const RESERVED_PARAMS = new Set([
  "q",
  "limit",
  "offset",
  "ordering",
  "brief",
  "format",
  "export",
  "sort",
  "page",
  "per_page",
  "fields",
  "omit",
  "_",
]);

/** An own property only (never one inherited from Object.prototype, whatever the client sends). */
function own<T>(o: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function parseBool(v: string): boolean | null {
  const s = v.toLowerCase();
  if (["true", "1", "yes", "on"].includes(s)) return true;
  if (["false", "0", "no", "off"].includes(s)) return false;
  return null;
}

function parseValue(def: FilterDef, raw: string, key: string, errors: FieldErrors, lookup: string): unknown {
  switch (def.kind) {
    case "uuid": {
      if (TEXT_LOOKUPS.has(lookup)) return raw;
      if (!UUID_RE.test(raw.trim())) {
        addFieldError(errors, key, `“${raw}” is not a valid UUID.`);
        return undefined;
      }
      return raw.trim().toLowerCase();
    }
    case "int":
    case "fk": {
      // Columns are 32-bit: a larger number could never match (and PostgreSQL would refuse it).
      if (!/^-?\d{1,10}$/.test(raw.trim()) || Math.abs(Number(raw.trim())) > 2147483647) {
        addFieldError(errors, key, `“${raw}” is not a valid integer.`);
        return undefined;
      }
      return Number(raw.trim());
    }
    case "bool": {
      const b = parseBool(raw);
      if (b === null) addFieldError(errors, key, `“${raw}” is not a valid boolean (use true or false).`);
      return b ?? undefined;
    }
    case "enum": {
      if (def.values && !def.values.includes(raw)) {
        addFieldError(errors, key, `Select a valid choice. ${raw} is not one of the available choices (${def.values.join(", ")}).`);
        return undefined;
      }
      return raw;
    }
    case "datetime": {
      const d = new Date(raw);
      if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1 || d.getUTCFullYear() > 9999) {
        addFieldError(errors, key, `“${raw}” is not a valid date/time.`);
        return undefined;
      }
      return d;
    }
    default:
      return raw;
  }
}

function condition(def: FilterDef, lookup: string, values: unknown[]): SQL | undefined {
  // A uuid column is searched by its text (ILIKE has no uuid operator).
  const e = (def.kind === "uuid" && TEXT_LOOKUPS.has(lookup) ? sql`${def.expr}::text` : def.expr) as AnyPgColumn;
  const anyOf = (f: (v: unknown) => SQL | undefined) => or(...values.map(f));
  switch (lookup) {
    case "exact":
      return values.length === 1 ? eq(e, values[0]) : inArray(e, values);
    case "n":
      return or(isNull(e), notInArray(e, values));
    case "ic":
      return anyOf((v) => ilike(e, `%${escapeLike(String(v))}%`));
    case "nic":
      return and(...values.map((v) => not(ilike(e, `%${escapeLike(String(v))}%`))));
    case "ie":
      return anyOf((v) => ilike(e, escapeLike(String(v))));
    case "nie":
      return and(...values.map((v) => not(ilike(e, escapeLike(String(v))))));
    case "isw":
      return anyOf((v) => ilike(e, `${escapeLike(String(v))}%`));
    case "nisw":
      return and(...values.map((v) => not(ilike(e, `${escapeLike(String(v))}%`))));
    case "iew":
      return anyOf((v) => ilike(e, `%${escapeLike(String(v))}`));
    case "niew":
      return and(...values.map((v) => not(ilike(e, `%${escapeLike(String(v))}`))));
    case "lt":
      return anyOf((v) => lt(e, v));
    case "lte":
      return anyOf((v) => lte(e, v));
    case "gt":
      return anyOf((v) => gt(e, v));
    case "gte":
      return anyOf((v) => gte(e, v));
    case "empty":
      return anyOf((v) => (v ? or(isNull(e), eq(e, "")) : and(isNotNull(e), ne(e, ""))));
    case "isnull":
      return anyOf((v) => (v ? isNull(e) : isNotNull(e)));
    default:
      return undefined;
  }
}

/**
 * The most one list request may ask (issue 17): every value is a condition evaluated per row, and
 * a substring match is the costliest; PGlite cannot cancel a statement, so the query's shape is
 * what bounds its cost. Beyond these: 400.
 */
export const MAX_FILTER_VALUES = 100;
export const MAX_FILTER_TERMS = 200;
export const MAX_PATTERN_TERMS = 20;
const PATTERN_LOOKUPS = new Set(["ic", "nic", "ie", "nie", "isw", "nisw", "iew", "niew"]);

function checkFilterCaps(input: ListInput, errors: FieldErrors): void {
  let terms = input.q?.trim() ? 1 : 0;
  let patterns = terms;
  for (const [key, values] of Object.entries(input.filters ?? {})) {
    if (RESERVED_PARAMS.has(key)) continue;
    if (values.length > MAX_FILTER_VALUES) addFieldError(errors, key, `Too many values: at most ${MAX_FILTER_VALUES} for one filter.`);
    terms += values.length;
    const sep = key.lastIndexOf("__");
    if (sep > 0 && PATTERN_LOOKUPS.has(key.slice(sep + 2))) patterns += values.length;
  }
  if (terms > MAX_FILTER_TERMS) addFieldError(errors, "non_field_errors", `Too many filters: at most ${MAX_FILTER_TERMS} filter values in one request.`);
  else if (patterns > MAX_PATTERN_TERMS)
    addFieldError(errors, "non_field_errors", `Too many text searches: at most ${MAX_PATTERN_TERMS} substring, prefix, suffix or case-insensitive values (and q) in one request.`);
}

/** Builds the WHERE clause; invalid filter values are field errors (400), unknown keys are ignored as NetBox does. */
export function buildWhere(spec: ListSpec, input: ListInput): SQL | undefined {
  const errors: FieldErrors = {};
  checkFilterCaps(input, errors);
  if (Object.keys(errors).length) throw new ValidationError(errors);
  // PostgreSQL text cannot hold NUL characters: such a filter could never match, and is refused.
  for (const [key, values] of Object.entries(input.filters ?? {}))
    if (values.some((v) => v.includes("\u0000"))) addFieldError(errors, key, "Null characters are not allowed.");
  if (input.q?.includes("\u0000")) addFieldError(errors, "q", "Null characters are not allowed.");
  const parts: (SQL | undefined)[] = [];
  for (const [key, rawValues] of Object.entries(input.filters ?? {})) {
    if (RESERVED_PARAMS.has(key) || rawValues.length === 0) continue;
    const sep = key.lastIndexOf("__");
    let base = key;
    let lookup = "exact";
    if (sep > 0 && !own(spec.filters, key)) {
      base = key.slice(0, sep);
      lookup = key.slice(sep + 2);
    }
    const def = own(spec.filters, base);
    if (!def) continue;
    if (!LOOKUPS[def.kind].includes(lookup)) {
      addFieldError(errors, key, `Unsupported lookup “${lookup}” for this field.`);
      continue;
    }
    if (lookup === "isnull" || lookup === "empty") {
      const bools = rawValues.map((v) => parseBool(v));
      if (bools.some((b) => b === null)) {
        addFieldError(errors, key, "Enter true or false.");
        continue;
      }
      parts.push(condition(def, lookup, bools));
      continue;
    }
    // `site_id=null` selects objects without a site (NetBox habit).
    const nulls = def.kind === "fk" && rawValues.some((v) => v === "null");
    const values = rawValues.filter((v) => !(nulls && v === "null")).map((v) => parseValue(def, v, key, errors, lookup));
    if (values.some((v) => v === undefined)) continue;
    const cond = values.length ? condition(def, lookup, values) : undefined;
    if (nulls) parts.push(lookup === "n" ? and(isNotNull(def.expr as AnyPgColumn), cond) : or(isNull(def.expr as AnyPgColumn), cond));
    else parts.push(cond);
  }
  if (Object.keys(errors).length) throw new ValidationError(errors);
  const q = input.q?.trim();
  if (q) parts.push(or(...spec.search.map((col) => ilike(col as AnyPgColumn, `%${escapeLike(q)}%`))));
  const defined = parts.filter((p): p is SQL => p !== undefined);
  return defined.length ? and(...defined) : undefined;
}

export function buildOrderBy(spec: ListSpec, ordering: string[] | undefined): SQL[] {
  const fields = (ordering ?? []).flatMap((o) => o.split(",")).map((o) => o.trim()).filter(Boolean);
  const chosen = fields.filter((f) => own(spec.ordering, f.replace(/^-/, "")));
  const list = chosen.length ? chosen : spec.defaultOrdering;
  const out: SQL[] = [];
  for (const f of list) {
    const descending = f.startsWith("-");
    const expr = own(spec.ordering, f.replace(/^-/, ""));
    if (!expr) continue;
    out.push(descending ? sql`${desc(expr as AnyPgColumn)} nulls last` : sql`${asc(expr as AnyPgColumn)} nulls last`);
  }
  out.push(asc(spec.id) as SQL);
  return out;
}

/** NetBox clamps limit to MAX_PAGE_SIZE and treats limit=0 as "the largest page". */
export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit) || limit < 0) return DEFAULT_LIMIT;
  if (limit === 0) return MAX_LIMIT;
  return Math.min(Math.floor(limit), MAX_LIMIT);
}

/** Reads a ListInput from a query string (API and UI share it). */
export function listInputFromSearchParams(params: URLSearchParams, opts: { sortParam?: string } = {}): ListInput {
  const filters = new Map<string, string[]>();
  for (const [k, v] of params) {
    if (RESERVED_PARAMS.has(k)) continue;
    filters.set(k, [...(filters.get(k) ?? []), v]);
  }
  const errors: FieldErrors = {};
  // Any run of digits is a number: a limit above MAX_LIMIT is clamped, not rejected (SPEC §6), and an
  // offset past the end is an empty page. Capped so the value stays exact and fits PostgreSQL's bigint.
  const int = (name: string, max: number): number | undefined => {
    const raw = params.get(name);
    if (raw === null || raw === "") return undefined;
    if (!/^\d+$/.test(raw)) {
      addFieldError(errors, name, "Enter a whole number.");
      return undefined;
    }
    return Math.min(Number(raw), max);
  };
  const limit = int("limit", MAX_LIMIT);
  const offset = int("offset", Number.MAX_SAFE_INTEGER);
  if (Object.keys(errors).length) throw new ValidationError(errors);
  const ordering = params.getAll(opts.sortParam ?? "ordering");
  return { q: params.get("q") ?? undefined, filters: Object.fromEntries(filters), ordering: ordering.length ? ordering : undefined, limit, offset };
}
