import path from "node:path";
import { getEnv } from "@/env";
import { migrationState, openDatabase, runMigrations, type Db, type DbHandle, type MigrationState } from "./client";

// The app's one database handle per process. Kept on globalThis because Next may load this
// module more than once (instrumentation, route handlers, server components), and PGlite must
// be opened exactly once per process.
interface AppDb {
  handle: Promise<DbHandle>;
}
const g = globalThis as typeof globalThis & { __netboxPdmDb?: AppDb };

export function getDbHandle(): Promise<DbHandle> {
  if (!g.__netboxPdmDb) {
    const env = getEnv();
    const handle = (async () => {
      const h = await openDatabase({
        databaseUrl: env.DATABASE_URL,
        pgliteDir: path.join(env.dataDir, "pglite"),
        statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
      });
      await runMigrations(h);
      return h;
    })();
    g.__netboxPdmDb = { handle };
  }
  return g.__netboxPdmDb.handle;
}

export async function getDb(): Promise<Db> {
  return (await getDbHandle()).db;
}

export async function getMigrationState(): Promise<MigrationState> {
  return migrationState(await getDbHandle());
}

/** Closes the database (tests and graceful shutdown). */
export async function closeDb(): Promise<void> {
  const current = g.__netboxPdmDb;
  g.__netboxPdmDb = undefined;
  if (current) await (await current.handle.catch(() => null))?.close();
}

/** Points the app's handle at an already-open database (in-process route handler tests). */
export function setDatabaseForTests(handle: DbHandle): void {
  g.__netboxPdmDb = { handle: Promise.resolve(handle) };
}
