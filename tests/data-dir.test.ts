import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it, vi } from "vitest";
import { getDb, getDbHandle } from "@/db";
import { openDatabase } from "@/db/client";
import { startServer } from "@/lib/server/startup";

// Issue 17, item 7: DATA_DIR and everything in it are the app account's alone, fixed at start for
// an existing directory. PGlite-only: it is PGlite that writes its files mode 0666 whatever the
// umask (the PostgreSQL variant keeps nothing but the key and the Git repository there, which
// this test covers too).

const g = globalThis as { __netboxPdmStarted?: Promise<void> };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nbpdm-datadir-"));
const savedUmask = process.umask();

/** Closes the process's database so the next start opens it again (this file plays several starts). */
async function closeAppDatabase(): Promise<void> {
  const g = globalThis as typeof globalThis & { __netboxPdmDb?: unknown };
  if (!g.__netboxPdmDb) return;
  const handle = await getDbHandle().catch(() => null);
  g.__netboxPdmDb = undefined;
  await handle?.close();
}

afterAll(async () => {
  await closeAppDatabase();
  process.umask(savedUmask);
  fs.rmSync(dir, { recursive: true, force: true });
});

function loose(root: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return;
    if ((st.mode & 0o077) !== 0) out.push(`${path.relative(root, p) || "."} ${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n));
  };
  walk(root);
  return out;
}

it("an existing, world-readable data directory is made owner-only at start, and stays so", async () => {
  // A data directory as an earlier version left it: PGlite's own files, a key, loose modes.
  const pg = await openDatabase({ pgliteDir: path.join(dir, "pglite") });
  await pg.close();
  fs.writeFileSync(path.join(dir, "secret.key"), "k".repeat(40));
  fs.mkdirSync(path.join(dir, "inventory.git", "objects"), { recursive: true });
  fs.writeFileSync(path.join(dir, "inventory.git", "HEAD"), "ref: refs/heads/main\n");
  for (const p of [dir, path.join(dir, "inventory.git"), path.join(dir, "inventory.git", "objects")]) fs.chmodSync(p, 0o777);
  for (const p of [path.join(dir, "secret.key"), path.join(dir, "inventory.git", "HEAD")]) fs.chmodSync(p, 0o666);
  expect(loose(dir).length).toBeGreaterThan(100);

  process.env.DATA_DIR = dir;
  delete process.env.DATABASE_URL;
  process.env.SUPERUSER_NAME = "admin";
  process.env.SUPERUSER_PASSWORD = "datadir-password-1";
  await closeAppDatabase();
  g.__netboxPdmStarted = undefined;
  const quiet = [vi.spyOn(console, "log").mockImplementation(() => {}), vi.spyOn(console, "error").mockImplementation(() => {})];
  try {
    await startServer();
  } finally {
    for (const s of quiet) s.mockRestore();
  }
  expect(loose(dir)).toEqual([]);
  // The database works on its owner-only files, and what the process creates from now on is owner-only too.
  const db = await getDb();
  await db.execute("create table datadir_probe (x int)");
  fs.mkdirSync(path.join(dir, "later"));
  fs.writeFileSync(path.join(dir, "later", "file"), "x");
  expect(loose(path.join(dir, "later"))).toEqual([]);
  expect((fs.statSync(dir).mode & 0o777).toString(8)).toBe("700");
});
