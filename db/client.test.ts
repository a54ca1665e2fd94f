import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it, vi } from "vitest";
import { pgStatementTimeout } from "@/lib/services/crud";
import { adminDatabaseUrl, postgresAvailable } from "@/tests/db";
import { acquirePgliteLock, DatabaseLockedError, LOCK_STALE_MS, openDatabase, processStartTicks, runMigrations, migrationState, systemIdentity } from "./client";

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

  it("refuses a directory held by another live process, with a clear message; its hostname does not matter", async () => {
    const dir = path.join(tmp(), "pglite");
    fs.mkdirSync(dir, { recursive: true });
    // Another process takes the lock the way the app records it — under another hostname, as a
    // recreated container would have — then waits.
    const child = spawn(process.execPath, [
      "-e",
      `const fs=require("fs");const st=fs.readFileSync("/proc/self/stat","utf8");const ticks=Number(st.slice(st.lastIndexOf(")")+2).split(" ")[19]);` +
        `fs.writeFileSync(${JSON.stringify(path.join(dir, "netbox-pdm.lock"))},JSON.stringify({pid:process.pid,hostname:"old-container-4f2a",started:new Date().toISOString(),system:${JSON.stringify(systemIdentity())},startTicks:ticks}));console.log("locked");setInterval(()=>{},1000);`,
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

  // A real second process running the app's own open path (not a hand-written lock file).
  function childScript(): string {
    const file = path.join(tmp(), "open-pglite.ts");
    fs.writeFileSync(
      file,
      `import { openDatabase } from ${JSON.stringify(path.join(process.cwd(), "db", "client.ts"))};
const [dir, mode] = process.argv.slice(2);
openDatabase({ pgliteDir: dir }).then(
  async (h) => {
    if (mode === "hold") { console.log("holding"); setInterval(() => {}, 1000); return; }
    console.log("opened"); await h.close(); process.exit(0);
  },
  (e) => { console.log("refused: " + e.message); process.exit(3); },
);
`,
    );
    return file;
  }
  function runChild(script: string, dir: string, mode: "try" | "hold") {
    // `node --import tsx` rather than the tsx CLI, so the child's pid is the process holding the lock.
    const child = spawn(process.execPath, ["--import", "tsx", script, dir, mode], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    const firstLine = new Promise<string>((resolve) =>
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) resolve(out.trim());
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    return { child, firstLine, exited };
  }

  it("a second process on a directory this process holds is refused, naming the holder", async () => {
    const dir = path.join(tmp(), "pglite");
    const mine = await openDatabase({ pgliteDir: dir });
    try {
      const { firstLine, exited } = runChild(childScript(), dir, "try");
      expect(await exited).toBe(3);
      const line = await firstLine;
      expect(line).toContain(`refused: The embedded database at ${dir} is already in use by process ${process.pid}`);
      expect(line).toMatch(/DATABASE_URL/);
    } finally {
      await mine.close();
    }
    // Released on close: another process may now open it.
    const { firstLine, exited } = runChild(childScript(), dir, "try");
    expect(await exited).toBe(0);
    expect(await firstLine).toBe("opened");
  }, 180_000);

  it("this process is refused a directory another process holds; a killed holder's lock is taken over", async () => {
    const dir = path.join(tmp(), "pglite");
    const { child, firstLine } = runChild(childScript(), dir, "hold");
    try {
      expect(await firstLine).toBe("holding");
      const err = await openDatabase({ pgliteDir: dir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatabaseLockedError);
      expect((err as Error).message).toContain(`already in use by process ${child.pid}`);
    } finally {
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
    }
    const db = await openDatabase({ pgliteDir: dir });
    await db.close();
  }, 180_000);

  function writeLock(dir: string, holder: Record<string, unknown>, ageMs = 0): void {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "netbox-pdm.lock");
    fs.writeFileSync(file, JSON.stringify({ hostname: "old-container-4f2a", started: new Date().toISOString(), ...holder }));
    const t = new Date(Date.now() - ageMs);
    fs.utimesSync(file, t, t);
  }

  it("a crashed holder's lock from a recreated container is taken over: its pid now names another process", async () => {
    const dir = path.join(tmp(), "pglite");
    // pid 1 is alive here, but it started long before the recorded start time.
    writeLock(dir, { pid: 1, system: systemIdentity(), startTicks: (processStartTicks(process.pid) ?? 0) + 1 });
    const db = await openDatabase({ pgliteDir: dir });
    await db.close();
    // Same for our own pid recorded by a process that is not us.
    writeLock(dir, { pid: process.pid, system: systemIdentity(), startTicks: (processStartTicks(process.pid) ?? 0) + 1 });
    const again = await openDatabase({ pgliteDir: dir });
    await again.close();
  });

  it("a lock from another system or container counts only while its holder refreshes it", () => {
    const dir = path.join(tmp(), "pglite");
    writeLock(dir, { pid: 1, system: "another-boot/pid:[1]", startTicks: 5 });
    const err = (() => {
      try {
        acquirePgliteLock(dir)();
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DatabaseLockedError);
    expect((err as DatabaseLockedError).retryAfterMs).toBeGreaterThan(0);
    expect((err as Error).message).toMatch(/not been refreshed/);
    // Not refreshed for longer than LOCK_STALE_MS: abandoned.
    writeLock(dir, { pid: 1, system: "another-boot/pid:[1]", startTicks: 5 }, LOCK_STALE_MS + 5_000);
    acquirePgliteLock(dir)();
  });

  it("the holder refreshes its lock while it holds it", () => {
    const dir = path.join(tmp(), "pglite");
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    try {
      const release = acquirePgliteLock(dir);
      const file = path.join(dir, "netbox-pdm.lock");
      const old = new Date(Date.now() - 3_600_000);
      fs.utimesSync(file, old, old);
      vi.advanceTimersByTime(LOCK_STALE_MS);
      expect(fs.statSync(file).mtimeMs).toBeGreaterThan(old.getTime() + 3_000_000);
      release();
      expect(fs.existsSync(file)).toBe(false);
    } finally {
      vi.useRealTimers();
    }
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

describe.skipIf(!postgresAvailable())("PostgreSQL statement timeout", () => {
  it("cancels a statement that runs longer than statementTimeoutMs; quick ones are unaffected", async () => {
    const handle = await openDatabase({ databaseUrl: adminDatabaseUrl(), maxConnections: 1, statementTimeoutMs: 200 });
    try {
      const err = await handle.db.execute(sql`select pg_sleep(5)`).catch((e: unknown) => e);
      expect(pgStatementTimeout(err)).toBe(true);
      await handle.db.execute(sql`select 1`);
    } finally {
      await handle.close();
    }
  });
});
