import { openDatabase, runMigrations } from "@/db/client";
import { setDatabaseForTests } from "@/db";
import { EmbeddedRunner } from "@/inngest/embedded-runner";
import { createContext, SYSTEM_ACTOR } from "@/lib/services/context";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";
import { updateSettings } from "@/lib/services/settings";
import { createSyncRun, getSyncRun } from "@/lib/services/sync-runs";
import { spawnSimulators, type SimProcess } from "@/sim/process";
import type { BenchModule, BenchResult } from "./types";
import { postgresBenchDatabase } from "./util";

// Issue #5 numbers: 10 endpoints × 1,000 remotes at 5 ms simulator latency, concurrency 8, on
// PostgreSQL, through the embedded runner (the same workflow Inngest would run), in this process.

const ENDPOINTS = 10;
const REMOTES = 1000;
const LATENCY = 5;
const CONCURRENCY = 8;

export const syncBench: BenchModule = {
  group: "sync (issue #5)",
  async run() {
    const pg = await postgresBenchDatabase();
    if (!pg) {
      console.warn("PostgreSQL not reachable: sync figures skipped.");
      return [];
    }
    const sims: SimProcess[] = [];
    const handle = await openDatabase({ databaseUrl: pg.url });
    try {
      await runMigrations(handle);
      setDatabaseForTests(handle);
      const ctx = createContext(handle.db, SYSTEM_ACTOR);
      await updateSettings(ctx, { pdm_fetch_concurrency: CONCURRENCY }, { partial: true });
      // Ten simulated PDMs in one simulator process (as ten real servers would not share our CPU).
      sims.push(...(await spawnSimulators(ENDPOINTS, ["--remotes", String(REMOTES), "--latency", String(LATENCY), "--auth-delay", "0", "--seed", "500", "--prefix", "e"])));
      for (const [i, sim] of sims.entries()) {
        await pdmEndpointService.create(ctx, {
          name: `bench-pdm-${i}`,
          host: sim.host,
          port: sim.port,
          token_id: sim.tokenId,
          token_secret: sim.tokenSecret,
          fingerprint: sim.fingerprint,
        });
      }
      const runner = new EmbeddedRunner({ scheduleIntervalMs: 0 });
      let peakRss = process.memoryUsage().rss;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 25);
      const timed = async () => {
        const run = await createSyncRun(ctx, {}, "api");
        const t0 = performance.now();
        await runner.execute(run.id);
        const ms = performance.now() - t0;
        return { ms, run: await getSyncRun(ctx, run.id) };
      };
      const first = await timed();
      const second = await timed();
      clearInterval(sampler);
      if (first.run.status !== "succeeded" || first.run.created !== ENDPOINTS * REMOTES) throw new Error(`first run: ${first.run.status}, ${first.run.created} created`);
      if (second.run.status !== "succeeded" || second.run.unchanged !== ENDPOINTS * REMOTES) throw new Error(`second run: ${second.run.status}`);
      const requests = ENDPOINTS * (REMOTES + 2);
      const fetchBound = (requests / CONCURRENCY) * LATENCY;
      const results: BenchResult[] = [
        {
          group: this.group,
          name: `first sync, ${ENDPOINTS} endpoints × ${REMOTES} remotes (10,000 created)`,
          value: first.ms,
          unit: "ms",
          target: 1.3 * fetchBound + 2000,
          kind: "max",
          note: `fetch bound ${fetchBound.toFixed(0)} ms (${requests} requests / ${CONCURRENCY} × ${LATENCY} ms)`,
        },
        { group: this.group, name: "second sync against an unchanged PDM (nothing written)", value: second.ms, unit: "ms", target: 1.3 * fetchBound + 500, kind: "max" },
        { group: this.group, name: "app process memory during both syncs (peak RSS)", value: peakRss / 1e6, unit: "MB", target: 500, kind: "max" },
      ];
      return results;
    } finally {
      await sims[0]?.stop();
      await handle.close();
      await pg.drop();
    }
  },
};
