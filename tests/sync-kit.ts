import { afterAll } from "vitest";
import { EmbeddedRunner } from "@/inngest/embedded-runner";
import { syncPdmHandler, type StepTools } from "@/inngest/functions/sync-pdm";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";
import { createSyncRun } from "@/lib/services/sync-runs";
import { startPdmSimulator, type RunningSimulator, type SimulatorOptions } from "@/sim/server";
import { ctxFor, uniq, type TestDb } from "./db";

// What sync tests share: simulators closed after the file, an endpoint pinned to one, and a sync
// run driven step by step through the embedded runner's step tools, with a hook before a step
// (an edit made while the run is under way).

/** Simulators for this test file, each with its own seed and name prefix; all closed afterwards. */
export function simulatorPool(seedBase: number, prefix: string) {
  const sims: RunningSimulator[] = [];
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.close()));
  });
  return {
    get count() {
      return sims.length;
    },
    async start(remotes: number, opts: Partial<SimulatorOptions> = {}): Promise<RunningSimulator> {
      const sim = await startPdmSimulator({ remotes, seed: seedBase + sims.length, prefix: `${prefix}${sims.length}`, authFailureDelayMs: 0, ...opts });
      sims.push(sim);
      return sim;
    },
  };
}

/** A PDM endpoint for the simulator, pinned by its fingerprint. */
export function endpointFor(db: TestDb, sim: RunningSimulator, extra: Record<string, unknown> = {}) {
  return pdmEndpointService.create(ctxFor(db), {
    name: uniq("pdm"),
    host: sim.host,
    port: sim.port,
    token_id: sim.tokenId,
    token_secret: sim.tokenSecret,
    fingerprint: sim.fingerprint,
    ...extra,
  });
}

/** Runs a sync of `endpoints` to its end; `before[stepId]` runs just before that step. */
export async function runSyncSteps(db: TestDb, endpoints: number[], before: Record<string, () => Promise<unknown>> = {}): Promise<number> {
  const run = await createSyncRun(ctxFor(db), { endpoints }, "api");
  const tools = new EmbeddedRunner({ backoffMs: 1, scheduleIntervalMs: 0 }).stepTools(db.handle.db, run.id);
  const step: StepTools = {
    run: async (id, fn) => {
      await before[id]?.();
      return tools.run(id, fn);
    },
    sleep: tools.sleep,
  };
  await syncPdmHandler({ event: { data: { runId: run.id } }, step, runId: `test-${run.id}` });
  return run.id;
}
