import { getTableColumns, getTableName, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { rowsOf, type Executor } from "./client";

// Multi-thousand-row inserts for the sync. One jsonb parameter per chunk, expanded server-side by
// jsonb_to_recordset: ~4x faster than drizzle's multi-row VALUES (fewer parameters to bind and
// build in JS), on PostgreSQL and PGlite alike.

const mappers = new WeakMap<PgTable, (raw: Record<string, unknown>) => Record<string, unknown>>();

/**
 * Raw `db.execute` rows (SQL column names, driver values) → the table's TS-keyed rows, through
 * each column's own driver mapping — what drizzle's select does, without its per-field checks
 * (which dominate the cost of a busy list endpoint).
 */
export function rowMapper<T extends PgTable>(table: T): (raw: Record<string, unknown>) => T["$inferSelect"] {
  let m = mappers.get(table);
  if (!m) {
    const cols = Object.entries(getTableColumns(table)).map(([key, col]) => ({ key, name: col.name, col }));
    m = (raw) => {
      const o: Record<string, unknown> = {};
      for (const c of cols) {
        const v = raw[c.name];
        o[c.key] = v === null || v === undefined ? null : c.col.mapFromDriverValue(v);
      }
      return o;
    };
    mappers.set(table, m);
  }
  return m as (raw: Record<string, unknown>) => T["$inferSelect"];
}

/**
 * `column = any('{…}'::int[])`: thousands of ids as one array parameter. drizzle's inArray binds
 * one parameter per id, and building, binding and planning 1,000 of them cost the sync's "seen"
 * update of an endpoint's remotes about 20 ms of its 60.
 */
export function idIn(column: PgColumn, ids: readonly number[]): SQL {
  for (const id of ids) if (!Number.isSafeInteger(id)) throw new TypeError(`not an integer id: ${String(id)}`);
  return sql`${column} = any(${`{${ids.join(",")}}`}::int[])`;
}

function toJson(v: unknown): unknown {
  return v instanceof Date ? v.toISOString() : v;
}

/**
 * Inserts `rows` (TS-keyed, like drizzle's insert) and returns the inserted rows TS-keyed.
 * Every row must define the same keys; a key defined in no row takes the column default.
 */
export async function bulkInsert<T extends PgTable>(
  db: Executor,
  table: T,
  rows: T["$inferInsert"][],
  opts: { returning?: boolean; chunk?: number } = {},
): Promise<T["$inferSelect"][]> {
  if (!rows.length) return [];
  const columns = getTableColumns(table);
  const keys = Object.keys(columns).filter((k) => rows.some((r) => (r as Record<string, unknown>)[k] !== undefined));
  const names = keys.map((k) => sql.identifier(columns[k]!.name));
  const typed = sql.join(
    keys.map((k) => sql.raw(`"${columns[k]!.name}" ${columns[k]!.getSQLType()}`)),
    sql`, `,
  );
  const cols = sql.join(names, sql`, `);
  const out: T["$inferSelect"][] = [];
  const chunk = opts.chunk ?? 500;
  for (let i = 0; i < rows.length; i += chunk) {
    const payload = rows.slice(i, i + chunk).map((r) => {
      const o: Record<string, unknown> = {};
      for (const k of keys) o[columns[k]!.name] = toJson((r as Record<string, unknown>)[k] ?? null);
      return o;
    });
    const returning: SQL = opts.returning === false ? sql`` : sql` returning *`;
    const result = await db.execute(
      sql`insert into ${sql.identifier(getTableName(table))} (${cols}) select ${cols} from jsonb_to_recordset(${JSON.stringify(payload)}::jsonb) as x(${typed})${returning}`,
    );
    if (opts.returning !== false) {
      const map = rowMapper(table);
      for (const raw of rowsOf<Record<string, unknown>>(result)) out.push(map(raw));
    }
  }
  return out;
}

/**
 * `select * from <table> [where …]` as TS-keyed rows through rowMapper: drizzle's select without
 * its per-field checks, for reads of thousands of rows (the sync, the inventory snapshot).
 */
export async function selectAll<T extends PgTable>(db: Executor, table: T, where?: SQL): Promise<T["$inferSelect"][]> {
  const raw = rowsOf<Record<string, unknown>>(await db.execute(sql`select * from ${table}${where ? sql` where ${where}` : sql``}`));
  return raw.map(rowMapper(table));
}
