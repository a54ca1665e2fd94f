import path from "node:path";
import { getEnv } from "@/env";
import { migrationState, openDatabase, runMigrations, type Db, type DbHandle, type MigrationState } from "./client";

// The app's one database handle per process, injected by its host: `npm start` (startServer)
// opens it from the environment; an in-process host — a test suite, the crash-test child — hands
// over a handle it opened itself. Kept on globalThis because Next may load this module more than
// once (instrumentation, route handlers, server components), and PGlite must be opened exactly
// once per process.
const g = globalThis as typeof globalThis & { __netboxPdmDb?: Promise<DbHandle> };

/** Opens the database the environment names (DATABASE_URL, else PGlite in DATA_DIR) and migrates it. */
async function openAppDatabase(): Promise<DbHandle> {
  const env = getEnv();
  const handle = await openDatabase({ databaseUrl: env.DATABASE_URL, pgliteDir: path.join(env.dataDir, "pglite"), statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS });
  await runMigrations(handle);
  return handle;
}

/** Makes `handle` the process's database from now on. */
export function provideDatabase(handle: DbHandle | Promise<DbHandle>): void {
  g.__netboxPdmDb = Promise.resolve(handle);
}

/** The process's database: the one its host gave, else the environment's, opened on first use. */
export function getDbHandle(): Promise<DbHandle> {
  g.__netboxPdmDb ??= openAppDatabase();
  return g.__netboxPdmDb;
}

export async function getDb(): Promise<Db> {
  return (await getDbHandle()).db;
}

export async function getMigrationState(): Promise<MigrationState> {
  return migrationState(await getDbHandle());
}
