import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DatabaseLockedError, openDatabase, runMigrations, migrationState } from "./client";

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "nbpdm-lock-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("PGlite directory lock", () => {
  it("refuses a second open in the same process, and releases on close", async () => {
    const dir = path.join(tmp(), "pglite");
    const a = await openDatabase({ pgliteDir: dir });
    await expect(openDatabase({ pgliteDir: dir })).rejects.toBeInstanceOf(DatabaseLockedError);
    await a.close();
    const b = await openDatabase({ pgliteDir: dir });
    await b.close();
  });

  it("refuses a directory held by another live process, with a clear message", async () => {
    const dir = path.join(tmp(), "pglite");
    fs.mkdirSync(dir, { recursive: true });
    // Another process takes the lock the same way the app does, then waits.
    const child = spawn(process.execPath, [
      "-e",
      `const fs=require("fs");fs.writeFileSync(${JSON.stringify(path.join(dir, "netbox-pdm.lock"))},JSON.stringify({pid:process.pid,hostname:require("os").hostname(),started:new Date().toISOString()}));console.log("locked");setInterval(()=>{},1000);`,
    ]);
    try {
      await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
      const err = await openDatabase({ pgliteDir: dir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatabaseLockedError);
      expect((err as Error).message).toMatch(new RegExp(`already in use by process ${child.pid}`));
      expect((err as Error).message).toMatch(/DATABASE_URL/);
    } finally {
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
    }
    // The holder died without cleaning up: its stale lock is taken over.
    const db = await openDatabase({ pgliteDir: dir });
    await db.close();
  });

  it("migrates and reports migration state", async () => {
    const db = await openDatabase({ pgliteDir: "memory" });
    try {
      expect((await migrationState(db)).applied).toBe(0);
      await runMigrations(db);
      await runMigrations(db);
      const state = await migrationState(db);
      expect(state.pending).toBe(0);
      expect(state.applied).toBe(state.available);
    } finally {
      await db.close();
    }
  });
});
