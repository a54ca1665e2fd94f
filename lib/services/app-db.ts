import { getDb, getDbHandle, getMigrationState } from "@/db";
import type { Db } from "@/db/client";

// The app's database, for adapters outside lib/ (route handlers, Inngest functions): they hand it
// to service and sync verbs and never query it themselves (house style rules 1 and 2).

/** The process's database handle, opened and migrated on first use. */
export function appDatabase(): Promise<Db> {
  return getDb();
}

/** What GET /api/status/ reports of the database: which one, and its migration state. */
export async function databaseStatus() {
  const handle = await getDbHandle();
  const migrations = await getMigrationState();
  return {
    kind: handle.kind,
    location: handle.location,
    migrations: { applied: migrations.applied, available: migrations.available, pending: migrations.pending, latest: migrations.latest },
    ok: migrations.pending === 0,
  };
}
