import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq, like } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { provideDatabase } from "@/db";
import { openDatabase, runMigrations, type DbHandle } from "@/db/client";
import { objectChanges, pdmRemotes, syncRunSteps, syncRuns } from "@/db/schema";
import { EmbeddedRunner } from "@/inngest/embedded-runner";
import { createContext, SYSTEM_ACTOR } from "@/lib/services/context";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";
import { createSyncRun, getSyncRun } from "@/lib/services/sync-runs";
import { startPdmSimulator, type RunningSimulator } from "@/sim/server";
import { createTestDb, postgresAvailable, uniq } from "@/tests/db";

// SPEC §4: a run interrupted by a crash is resumed or failed — never left running — and every
// endpoint is either fully reconciled or untouched. We kill -9 a process running the embedded
// runner in the middle of a run, then "restart": the runner resumes the run from its last
// finished step. On PostgreSQL the test watches the database while the process runs; on PGlite
// (the default, one process per directory) the process reports its reconciles, and the restart
// also recovers the database files the killed process left behind.

const REMOTES = 300;
const ENDPOINTS = 3;

const sims: RunningSimulator[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

const ctxOf = (handle: DbHandle) => createContext(handle.db, SYSTEM_ACTOR);

async function setUp(handle: DbHandle): Promise<{ runId: number; endpoints: { id: number }[]; sims: RunningSimulator[] }> {
  const mine: RunningSimulator[] = [];
  const endpoints: { id: number }[] = [];
  for (let i = 0; i < ENDPOINTS; i++) {
    const sim = await startPdmSimulator({ remotes: REMOTES, seed: 100 + sims.length, prefix: `c${sims.length}`, authFailureDelayMs: 0, latencyMs: 2 });
    sims.push(sim);
    mine.push(sim);
    endpoints.push(
      await pdmEndpointService.create(ctxOf(handle), {
        name: uniq("crash"),
        host: sim.host,
        port: sim.port,
        token_id: sim.tokenId,
        token_secret: sim.tokenSecret,
        fingerprint: sim.fingerprint,
      }),
    );
  }
  const run = await createSyncRun(ctxOf(handle), { endpoints: endpoints.map((e) => e.id) }, "api");
  return { runId: run.id, endpoints, sims: mine };
}

/** One process (node with tsx's loader, not the tsx CLI, which would fork a child SIGKILL misses). */
function startApp(env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "crash-child.ts")], { env: { ...env, LOG_LEVEL: "silent" }, stdio: ["ignore", "pipe", "inherit"] });
}

function exited(child: ChildProcess): Promise<unknown> {
  return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once("exit", r)));
}

/** After the crash: each endpoint all or nothing. Then the restart resumes the run to its end. */
async function expectResumed(handle: DbHandle, setup: Awaited<ReturnType<typeof setUp>>, finishedBefore: string[]) {
  for (const [i, ep] of setup.endpoints.entries()) {
    const rows = await handle.db.select({ name: pdmRemotes.name }).from(pdmRemotes).where(eq(pdmRemotes.pdmEndpointId, ep.id));
    expect([0, setup.sims[i]!.control.remotes().length]).toContain(rows.length);
  }
  const runner = new EmbeddedRunner({ backoffMs: 1, scheduleIntervalMs: 0 });
  runner.start();
  let final = await getSyncRun(ctxOf(handle), setup.runId);
  for (let i = 0; i < 600 && ["queued", "running"].includes(final.status); i++) {
    await new Promise((r) => setTimeout(r, 100));
    final = await getSyncRun(ctxOf(handle), setup.runId);
  }
  await runner.stop();
  expect(final.status).toBe("succeeded");
  expect(final.created).toBe(ENDPOINTS * REMOTES);
  expect(final.steps.find((s) => s.step_id === "embedded:resume")).toBeDefined();
  // Steps that had finished before the crash were not run again.
  expect(finishedBefore.length).toBeGreaterThan(0);
  for (const id of finishedBefore) expect(final.steps.find((s) => s.step_id === id)?.attempts, id).toBe(1);
  for (const [i, ep] of setup.endpoints.entries()) {
    const rows = await handle.db.select({ id: pdmRemotes.id }).from(pdmRemotes).where(eq(pdmRemotes.pdmEndpointId, ep.id));
    expect(rows).toHaveLength(setup.sims[i]!.control.remotes().length);
  }
  // Exactly one "create" per remote: nothing was applied twice.
  const creates = await handle.db
    .select({ id: objectChanges.changedObjectId })
    .from(objectChanges)
    .where(and(eq(objectChanges.syncRunId, setup.runId), eq(objectChanges.action, "create")));
  expect(creates).toHaveLength(ENDPOINTS * REMOTES);
  expect(new Set(creates.map((c) => c.id)).size).toBe(ENDPOINTS * REMOTES);
}

async function succeededSteps(handle: DbHandle, runId: number): Promise<string[]> {
  return (await handle.db.select().from(syncRunSteps).where(eq(syncRunSteps.syncRunId, runId))).filter((s) => s.status === "succeeded").map((s) => s.stepId);
}

describe("embedded runner crash", () => {
  it.skipIf(!postgresAvailable())("kill -9 mid-run on PostgreSQL, restart: the run is resumed and no endpoint is half-applied", async () => {
    const db = await createTestDb("postgres");
    try {
      provideDatabase(db.handle);
      const setup = await setUp(db.handle);
      const child = startApp({ ...process.env, DATABASE_URL: db.url! });
      // Kill as soon as the first endpoint is reconciled while the run is still going.
      let killedWhile = "";
      let finishedBefore: string[] = [];
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const done = await db.handle.db
          .select()
          .from(syncRunSteps)
          .where(and(eq(syncRunSteps.syncRunId, setup.runId), like(syncRunSteps.stepId, "reconcile-endpoint-%"), eq(syncRunSteps.status, "succeeded")));
        if (done.length >= 1) {
          child.kill("SIGKILL");
          const [r] = await db.handle.db.select({ status: syncRuns.status }).from(syncRuns).where(eq(syncRuns.id, setup.runId));
          killedWhile = r!.status;
          finishedBefore = await succeededSteps(db.handle, setup.runId);
          break;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      await exited(child);
      expect(killedWhile).toBe("running");
      await expectResumed(db.handle, setup, finishedBefore);
    } finally {
      await db.cleanup();
    }
  });

  it("kill -9 mid-run on PGlite, restart: the database recovers, the run is resumed and no endpoint is half-applied", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "nbpdm-crash-"));
    const pgliteDir = path.join(dataDir, "pglite");
    let handle = await openDatabase({ pgliteDir });
    try {
      await runMigrations(handle);
      provideDatabase(handle);
      const setup = await setUp(handle);
      // The app process owns the directory while it runs (PGlite is single-process).
      await handle.close();
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, REPORT_RECONCILED: "1" };
      delete env.DATABASE_URL;
      const child = startApp(env);
      const reconciled = new Promise<void>((resolve, reject) => {
        let out = "";
        child.stdout!.on("data", (c: Buffer) => {
          out += c.toString();
          if (/^reconciled /m.test(out)) resolve();
        });
        child.once("exit", () => reject(new Error(`the app process exited before reconciling an endpoint: ${out}`)));
        setTimeout(() => reject(new Error("no endpoint was reconciled within 60 s")), 60_000);
      });
      await reconciled;
      child.kill("SIGKILL");
      await exited(child);
      // "Restart": the same directory, as the next `npm start` opens it (its lock is stale now).
      handle = await openDatabase({ pgliteDir });
      await runMigrations(handle);
      provideDatabase(handle);
      const [r] = await handle.db.select({ status: syncRuns.status }).from(syncRuns).where(eq(syncRuns.id, setup.runId));
      expect(r!.status).toBe("running");
      const finishedBefore = await succeededSteps(handle, setup.runId);
      expect(finishedBefore.filter((s) => s.startsWith("reconcile-endpoint-")).length).toBeGreaterThanOrEqual(1);
      await expectResumed(handle, setup, finishedBefore);
    } finally {
      await handle.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
