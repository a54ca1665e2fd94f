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
  /**
   * PostgreSQL cancels any statement running longer (ms; 0 or absent: no limit). PGlite cannot
   * cancel a statement; there the list caps (lib/services/list.ts) bound what one may cost.
   */
  statementTimeoutMs?: number;
}

export const MIGRATIONS_DIR = path.join(process.cwd(), "db", "migrations");

export interface LockHolder {
  pid: number;
  /** For people reading the message only: a recreated container has a new one. */
  hostname: string;
  started: string;
  /**
   * Where `pid` means something: the kernel's boot id and the pid namespace (Linux). Equal values:
   * the same running system and the same pids; otherwise (a reboot, another container or machine
   * on a shared directory) only the lock's heartbeat tells. Null: unknown (no /proc).
   * Absent in locks written before it existed.
   */
  system?: string | null;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat field 22). */
  startTicks?: number | null;
}

export class DatabaseLockedError extends Error {
  /** Set when only the lock's heartbeat can tell: how long until it would count as stale. */
  readonly retryAfterMs?: number;
  constructor(dir: string, holder: LockHolder, retryAfterMs?: number) {
    super(
      `The embedded database at ${dir} is already in use by process ${holder.pid} on ${holder.hostname} ` +
        `(started ${holder.started}). Only one process may open a PGlite directory: stop that process, ` +
        `use another DATA_DIR, or set DATABASE_URL to share a PostgreSQL server.` +
        (retryAfterMs !== undefined ? ` (That process is on another system or container; its lock counts as abandoned once it has not been refreshed for ${LOCK_STALE_MS / 1000} s.)` : ""),
    );
    this.name = "DatabaseLockedError";
    this.retryAfterMs = retryAfterMs;
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

/** This running system's boot id and pid namespace, or null without /proc. */
export function systemIdentity(): string | null {
  try {
    const boot = fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const ns = fs.readlinkSync("/proc/self/ns/pid");
    return boot && ns ? `${boot}/${ns}` : null;
  } catch {
    return null;
  }
}

/** A process's start time in clock ticks since boot, or null (no /proc, no such process). */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // After the command name, which is in parentheses and may itself hold spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/** The holder of a lock refreshes its file this often; one not refreshed for LOCK_STALE_MS is dead. */
const LOCK_HEARTBEAT_MS = 5_000;
export const LOCK_STALE_MS = 30_000;

/**
 * Whether a lock file's holder is gone (issue 17: a crashed process's lock, left by a container
 * that was recreated under another hostname, blocked the start for ever). Nothing is read from
 * the hostname. Within one running system and pid namespace the pid decides, with the process's
 * start time, so a pid reused by another process is not taken for the holder. A lock from
 * elsewhere — before a reboot, another container or machine sharing the directory — is alive
 * only while its holder keeps refreshing it.
 */
export function isLockStale(holder: LockHolder, lockMtimeMs: number, self: { system: string | null; holds: boolean }, now = Date.now()): boolean {
  if (holder.system !== undefined && holder.system !== null && holder.system !== self.system) return now - lockMtimeMs > LOCK_STALE_MS;
  const ticks = typeof holder.startTicks === "number" ? holder.startTicks : null;
  if (holder.pid === process.pid && (ticks === null || ticks === processStartTicks(process.pid))) return !self.holds;
  if (!isProcessAlive(holder.pid)) return true;
  // Alive: the holder itself, unless that pid now belongs to a process started at another time.
  if (ticks === null || holder.system === undefined || holder.system === null) return false;
  const current = processStartTicks(holder.pid);
  return current !== null && current !== ticks;
}

/**
 * PGlite has no locking of its own and two processes on one directory silently lose writes
 * (stack-notes §3), so we hold an exclusive lock file next to it for the life of the process.
 * Node has no flock() without a native addon; the file records who holds it (pid, system, start
 * time) and its holder refreshes it, which together tell a live holder from a dead one.
 */
const heldLocks: Set<string> = ((globalThis as { __nbpdmHeldLocks?: Set<string> }).__nbpdmHeldLocks ??= new Set());

export function acquirePgliteLock(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lockPath = path.join(dir, "netbox-pdm.lock");
  const system = systemIdentity();
  const me: LockHolder = { pid: process.pid, hostname: os.hostname(), started: new Date().toISOString(), system, startTicks: processStartTicks(process.pid) };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockPath, "wx", 0o600);
      fs.writeSync(fd, JSON.stringify(me));
      fs.closeSync(fd);
      heldLocks.add(lockPath);
      const heartbeat = setInterval(() => {
        try {
          const now = new Date();
          fs.utimesSync(lockPath, now, now);
        } catch {
          /* the directory is gone: nothing left to hold */
        }
      }, LOCK_HEARTBEAT_MS);
      heartbeat.unref();
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        clearInterval(heartbeat);
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
      let holder: LockHolder | undefined;
      let mtimeMs = 0;
      try {
        holder = JSON.parse(fs.readFileSync(lockPath, "utf8")) as LockHolder;
        mtimeMs = fs.statSync(lockPath).mtimeMs;
      } catch {
        holder = undefined; // half-written or unreadable: treat as stale
      }
      const stale = !holder || typeof holder.pid !== "number" || isLockStale(holder, mtimeMs, { system, holds: heldLocks.has(lockPath) });
      if (!stale && holder) {
        const heartbeatOnly = typeof holder.system === "string" && holder.system !== system;
        throw new DatabaseLockedError(dir, holder, heartbeatOnly ? Math.max(0, mtimeMs + LOCK_STALE_MS - Date.now()) + 1_000 : undefined);
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`Could not acquire the lock on ${dir}`);
}

/**
 * acquirePgliteLock, waiting out a lock only its heartbeat can judge (a holder on another system or
 * container): if the holder is gone, its lock stops being refreshed and is taken over once stale;
 * if it is alive, the refreshed lock is refused after all.
 */
async function acquirePgliteLockWaiting(dir: string): Promise<() => void> {
  const deadline = Date.now() + 2 * LOCK_STALE_MS;
  for (;;) {
    try {
      return acquirePgliteLock(dir);
    } catch (err) {
      if (!(err instanceof DatabaseLockedError) || err.retryAfterMs === undefined || Date.now() + err.retryAfterMs > deadline) throw err;
      console.warn(`${err.message} Waiting ${Math.ceil(err.retryAfterMs / 1000)} s to see whether it is still refreshed…`);
      await new Promise((r) => setTimeout(r, err.retryAfterMs));
    }
  }
}

export async function openDatabase(opts: OpenOptions): Promise<DbHandle> {
  if (opts.databaseUrl) {
    const { default: postgres } = await import("postgres");
    const { drizzle } = await import("drizzle-orm/postgres-js");
    const client = postgres(opts.databaseUrl, {
      max: opts.maxConnections ?? 10,
      onnotice: () => {},
      // A startup parameter of every connection (issue 17): no statement can hold one for ever.
      ...(opts.statementTimeoutMs ? { connection: { statement_timeout: opts.statementTimeoutMs } } : {}),
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
    release = await acquirePgliteLockWaiting(dir);
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
