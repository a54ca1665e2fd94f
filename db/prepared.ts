import { sql, type SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { rowsOf, type Executor } from "./client";

// Hot read queries as named prepared statements on PostgreSQL.
//
// drizzle runs `db.execute` unprepared, and postgres-js sends an unprepared query with parameters
// in two round trips (Parse/Describe, wait, then Bind/Execute), which PostgreSQL parses and plans
// anew each time. A prepared statement is one write and no re-parse; on a busy list endpoint the
// extra socket write alone was a tenth of the request's CPU.
//
// Named statements live per connection on both ends and are never dropped, so only the first
// MAX_SHAPES distinct query texts are prepared (filters and lookups change the text, values are
// parameters); any further shape runs unprepared, as before. PGlite and open transactions (no pool
// client) always take drizzle's own path.

const MAX_SHAPES = 256;
const shapes = new Set<string>();
const dialect = new PgDialect();

interface PostgresJsClient {
  unsafe(query: string, params: unknown[], opts: { prepare: boolean }): PromiseLike<unknown>;
}

function poolClient(db: Executor): PostgresJsClient | null {
  const client = (db as { $client?: unknown }).$client;
  // postgres-js's client is a function with `unsafe`; PGlite's is an object without it.
  if (typeof client !== "function") return null;
  const unsafe = (client as unknown as Partial<PostgresJsClient>).unsafe;
  return typeof unsafe === "function" ? (client as unknown as PostgresJsClient) : null;
}

/** Runs a read query and returns its rows (SQL column names, driver values, as `db.execute`). */
export async function queryRows<T>(db: Executor, query: SQL): Promise<T[]> {
  const client = poolClient(db);
  if (client) {
    const { sql: text, params } = dialect.sqlToQuery(query);
    if (shapes.has(text) || shapes.size < MAX_SHAPES) {
      shapes.add(text);
      return rowsOf<T>(await client.unsafe(text, params, { prepare: true }));
    }
  }
  return rowsOf<T>(await db.execute(query));
}

/**
 * The transaction snapshot a statement would run under now (xmin:xmax:in-progress ids). Two equal
 * snapshots see identical data: any commit in between changes xmax or the in-progress list.
 */
export async function currentSnapshot(db: Executor): Promise<string> {
  const [row] = await queryRows<{ s: string }>(db, sql`select pg_current_snapshot()::text as s`);
  return String(row?.s ?? "");
}
