import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import * as schema from "./schema";

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything a query can run on: the database or an open transaction. */
export type Executor = Db | Tx;

/** Rows from `db.execute`: postgres-js returns an array, PGlite `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

export type DatabaseKind = "postgres" | "pglite";

export interface DbHandle {
  db: Db;
  kind: DatabaseKind;
  /** Where the data lives, without credentials. */
  location: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL URL; when absent, PGlite is used. */
  databaseUrl?: string;
  /** PGlite directory; "memory" for an in-memory database (tests). */
  pgliteDir?: string | "memory";
  /** postgres-js pool size. */
  maxConnections?: number;
}

export const MIGRATIONS_DIR = path.join(process.cwd(), "db", "migrations");

export class DatabaseLockedError extends Error {
  constructor(dir: string, holder: { pid: number; hostname: string; started: string }) {
    super(
      `The embedded database at ${dir} is already in use by process ${holder.pid} on ${holder.hostname} ` +
        `(started ${holder.started}). Only one process may open a PGlite directory: stop that process, ` +
        `use another DATA_DIR, or set DATABASE_URL to share a PostgreSQL server.`,
    );
    this.name = "DatabaseLockedError";
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * PGlite has no locking of its own and two processes on one directory silently lose writes
 * (stack-notes §3), so we hold an exclusive lock file next to it for the life of the process.
 */
const heldLocks: Set<string> = ((globalThis as { __nbpdmHeldLocks?: Set<string> }).__nbpdmHeldLocks ??= new Set());

export function acquirePgliteLock(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const lockPath = path.join(dir, "netbox-pdm.lock");
  const me = { pid: process.pid, hostname: os.hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockPath, "wx", 0o600);
      fs.writeSync(fd, JSON.stringify(me));
      fs.closeSync(fd);
      heldLocks.add(lockPath);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        heldLocks.delete(lockPath);
        process.removeListener("exit", release);
        try {
          const holder = JSON.parse(fs.readFileSync(lockPath, "utf8")) as { pid: number };
          if (holder.pid === process.pid) fs.unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
      process.on("exit", release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      let holder: { pid: number; hostname: string; started: string } | undefined;
      try {
        holder = JSON.parse(fs.readFileSync(lockPath, "utf8")) as typeof holder;
      } catch {
        holder = undefined; // half-written or unreadable: treat as stale
      }
      const stale =
        !holder ||
        typeof holder.pid !== "number" ||
        (holder.hostname === me.hostname &&
          (holder.pid === process.pid ? !heldLocks.has(lockPath) : !isProcessAlive(holder.pid)));
      if (!stale && holder) throw new DatabaseLockedError(dir, holder);
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`Could not acquire the lock on ${dir}`);
}

export async function openDatabase(opts: OpenOptions): Promise<DbHandle> {
  if (opts.databaseUrl) {
    const { default: postgres } = await import("postgres");
    const { drizzle } = await import("drizzle-orm/postgres-js");
    const client = postgres(opts.databaseUrl, {
      max: opts.maxConnections ?? 10,
      onnotice: () => {},
      // Keep timestamps as Date and bigint counts as numbers where we cast them.
    });
    const db = drizzle({ client, schema }) as unknown as Db;
    const url = new URL(opts.databaseUrl);
    return {
      db,
      kind: "postgres",
      location: `${url.hostname}:${url.port || 5432}${url.pathname}`,
      close: () => client.end({ timeout: 5 }),
    };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const dir = opts.pgliteDir ?? "memory";
  let release = () => {};
  let client: InstanceType<typeof PGlite>;
  if (dir === "memory") {
    client = new PGlite();
  } else {
    release = acquirePgliteLock(dir);
    try {
      client = new PGlite(dir);
      await client.waitReady;
    } catch (err) {
      release();
      throw err;
    }
  }
  const db = drizzle({ client, schema }) as unknown as Db;
  return {
    db,
    kind: "pglite",
    location: dir === "memory" ? "memory" : dir,
    close: async () => {
      try {
        await client.close();
      } finally {
        release();
      }
    },
  };
}

export async function runMigrations(handle: DbHandle, migrationsFolder = MIGRATIONS_DIR): Promise<void> {
  if (handle.kind === "postgres") {
    const { migrate } = await import("drizzle-orm/postgres-js/migrator");
    // postgres-js's migrator takes the drizzle instance it was built with.
    await migrate(handle.db as never, { migrationsFolder });
  } else {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    await migrate(handle.db as never, { migrationsFolder });
  }
}

export interface MigrationState {
  applied: number;
  available: number;
  pending: number;
  latest: string | null;
}

export async function migrationState(handle: DbHandle, migrationsFolder = MIGRATIONS_DIR): Promise<MigrationState> {
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8")) as {
    entries: { tag: string }[];
  };
  let applied = 0;
  try {
    const rows = await handle.db.execute<{ n: number }>(
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    );
    applied = Number(rowsOf<{ n: number }>(rows)[0]?.n ?? 0);
  } catch {
    applied = 0;
  }
  const available = journal.entries.length;
  return {
    applied,
    available,
    pending: Math.max(0, available - applied),
    latest: journal.entries[journal.entries.length - 1]?.tag ?? null,
  };
}
