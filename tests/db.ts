import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, inject } from "vitest";
import { openDatabase, runMigrations, type DbHandle } from "@/db/client";
import { createContext, SYSTEM_ACTOR, type Actor, type ServiceContext } from "@/lib/services/context";

// Test databases: every suite that touches the database runs on embedded PGlite AND on a real
// PostgreSQL server, each in a throwaway database of its own (house style rule 24).

export type DbKind = "pglite" | "postgres";

export function adminDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

export function postgresAvailable(): boolean {
  return inject("postgresAvailable");
}

export interface TestDb {
  handle: DbHandle;
  kind: DbKind;
  /** For PostgreSQL: the URL of this test's own database (e.g. to start the app on it). */
  url?: string;
  cleanup(): Promise<void>;
}

export async function createTestDb(kind: DbKind): Promise<TestDb> {
  if (kind === "pglite") {
    const handle = await openDatabase({ pgliteDir: "memory" });
    await runMigrations(handle);
    return { handle, kind, cleanup: () => handle.close() };
  }
  const { default: postgres } = await import("postgres");
  const admin = postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
  const name = `nbpdm_t_${process.pid}_${randomBytes(4).toString("hex")}`;
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminDatabaseUrl());
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString(), maxConnections: 5 });
  await runMigrations(handle);
  return {
    handle,
    kind,
    url: url.toString(),
    async cleanup() {
      await handle.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export const DB_KINDS: DbKind[] = ["pglite", "postgres"];

/**
 * Runs `body` once per database kind. `get()` returns the live test database inside tests.
 * PostgreSQL variants are skipped (with a warning) only outside CI when no server is reachable.
 */
export function describeEachDb(name: string, body: (get: () => TestDb) => void): void {
  for (const kind of DB_KINDS) {
    describe.skipIf(kind === "postgres" && !postgresAvailable())(`${name} [${kind}]`, () => {
      let db: TestDb | undefined;
      beforeAll(async () => {
        db = await createTestDb(kind);
        // Each database gets its own DATA_DIR (and so its own inventory Git repository).
        const dir = path.join(process.env.DATA_DIR!.replace(/\/(pglite|postgres)$/, ""), kind);
        fs.mkdirSync(dir, { recursive: true });
        process.env.DATA_DIR = dir;
      });
      afterAll(async () => {
        await db?.cleanup();
      });
      body(() => {
        if (!db) throw new Error("test database not ready");
        return db;
      });
    });
  }
}

export const ADMIN: Actor = { kind: "user", userId: null, username: "tester", role: "admin", writeEnabled: true };
export const EDITOR: Actor = { kind: "user", userId: null, username: "editor", role: "editor", writeEnabled: true };
export const VIEWER: Actor = { kind: "user", userId: null, username: "viewer", role: "viewer", writeEnabled: true };

export function ctxFor(db: TestDb, actor: Actor = ADMIN): ServiceContext {
  return createContext(db.handle.db, actor);
}

export function systemCtx(db: TestDb): ServiceContext {
  return createContext(db.handle.db, SYSTEM_ACTOR);
}

let counter = 0;
/** Unique names so tests sharing a database never collide. */
export function uniq(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${randomBytes(2).toString("hex")}`;
}
