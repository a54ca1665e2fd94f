import { spawn } from "node:child_process";
import path from "node:path";
import { and, eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setDatabaseForTests } from "@/db";
import { objectChanges, pdmRemotes, syncRunSteps, syncRuns } from "@/db/schema";
import { EmbeddedRunner } from "@/inngest/embedded-runner";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";
import { createSyncRun, getSyncRun } from "@/lib/services/sync-runs";
import { startPdmSimulator, type RunningSimulator } from "@/sim/server";
import { createTestDb, ctxFor, postgresAvailable, uniq, type TestDb } from "@/tests/db";

// SPEC §4: a run interrupted by a crash is resumed or failed — never left running — and every
// endpoint is either fully reconciled or untouched. We kill -9 a process running the embedded
// runner in the middle of a run, then "restart": the runner resumes the run from its last
// finished step.

describe.skipIf(!postgresAvailable())("embedded runner crash", () => {
  let db: TestDb;
  const sims: RunningSimulator[] = [];
  beforeAll(async () => {
    db = await createTestDb("postgres");
    setDatabaseForTests(db.handle);
  });
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.close()));
    await db.cleanup();
  });

  it("kill -9 mid-run, restart: the run is resumed and no endpoint is half-applied", async () => {
    const endpoints: { id: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const sim = await startPdmSimulator({ remotes: 300, seed: 100 + i, prefix: `c${i}`, authFailureDelayMs: 0, latencyMs: 2 });
      sims.push(sim);
      endpoints.push(
        await pdmEndpointService.create(ctxFor(db), {
          name: uniq("crash"),
          host: sim.host,
          port: sim.port,
          token_id: sim.tokenId,
          token_secret: sim.tokenSecret,
          fingerprint: sim.fingerprint,
        }),
      );
    }
    const run = await createSyncRun(ctxFor(db), { endpoints: endpoints.map((e) => e.id) }, "api");

    // One process (node with tsx's loader, not the tsx CLI, which would fork a child SIGKILL misses).
    const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "crash-child.ts")], {
      env: { ...process.env, DATABASE_URL: db.url!, LOG_LEVEL: "silent" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    // Kill as soon as the first endpoint is reconciled while the run is still going.
    let killedWhile = "";
    let finishedBefore: string[] = [];
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const done = await db.handle.db
        .select()
        .from(syncRunSteps)
        .where(and(eq(syncRunSteps.syncRunId, run.id), like(syncRunSteps.stepId, "reconcile-endpoint-%"), eq(syncRunSteps.status, "succeeded")));
      if (done.length >= 1) {
        child.kill("SIGKILL");
        const [r] = await db.handle.db.select({ status: syncRuns.status }).from(syncRuns).where(eq(syncRuns.id, run.id));
        killedWhile = r!.status;
        finishedBefore = (await db.handle.db.select().from(syncRunSteps).where(eq(syncRunSteps.syncRunId, run.id)))
          .filter((s) => s.status === "succeeded")
          .map((s) => s.stepId);
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once("exit", r)));
    expect(killedWhile).toBe("running");

    // Between crash and restart: each endpoint is all or nothing.
    const consistent = async () => {
      for (const [i, ep] of endpoints.entries()) {
        const rows = await db.handle.db.select({ name: pdmRemotes.name }).from(pdmRemotes).where(eq(pdmRemotes.pdmEndpointId, ep.id));
        expect([0, sims[i]!.control.remotes().length]).toContain(rows.length);
      }
    };
    await consistent();

    // "Restart": the runner resumes the run left running.
    const runner = new EmbeddedRunner({ backoffMs: 1, scheduleIntervalMs: 0 });
    runner.start();
    let final = await getSyncRun(ctxFor(db), run.id);
    for (let i = 0; i < 600 && ["queued", "running"].includes(final.status); i++) {
      await new Promise((r) => setTimeout(r, 100));
      final = await getSyncRun(ctxFor(db), run.id);
    }
    await runner.stop();
    expect(final.status).toBe("succeeded");
    expect(final.created).toBe(900);
    expect(final.steps.find((s) => s.step_id === "embedded:resume")).toBeDefined();
    // Steps that had finished before the crash were not run again.
    expect(finishedBefore.length).toBeGreaterThan(0);
    for (const id of finishedBefore) expect(final.steps.find((s) => s.step_id === id)?.attempts, id).toBe(1);
    for (const [i, ep] of endpoints.entries()) {
      const rows = await db.handle.db.select({ id: pdmRemotes.id }).from(pdmRemotes).where(eq(pdmRemotes.pdmEndpointId, ep.id));
      expect(rows).toHaveLength(sims[i]!.control.remotes().length);
    }
    // Exactly one "create" per remote: nothing was applied twice.
    const creates = await db.handle.db
      .select({ id: objectChanges.changedObjectId })
      .from(objectChanges)
      .where(and(eq(objectChanges.syncRunId, run.id), eq(objectChanges.action, "create")));
    expect(creates).toHaveLength(900);
    expect(new Set(creates.map((c) => c.id)).size).toBe(900);
  });
});
