import { count, eq, sql } from "drizzle-orm";
import { openDatabase, runMigrations } from "@/db/client";
import { provideDatabase } from "@/db";
import { objectChanges, syncRunSteps } from "@/db/schema";
import { EmbeddedRunner } from "@/inngest/embedded-runner";
import { startRequestPump } from "@/lib/pdm/pump";
import { createContext, SYSTEM_ACTOR } from "@/lib/services/context";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";
import { updateSettings } from "@/lib/services/settings";
import { createSyncRun, getSyncRun, type SyncRunStepRecord } from "@/lib/services/sync-runs";
import { spawnSimulators, type SimProcess } from "@/sim/process";
import { transportFloor } from "./floor";
import type { BenchModule, BenchResult } from "./types";
import { postgresBenchDatabase, simLatencyNote, warmSimulators, withDataDir } from "./util";

// Issue #5 numbers: 10 endpoints × 1,000 remotes at 5 ms simulator latency, concurrency 8, on
// PostgreSQL, through the embedded runner (the same workflow Inngest would run), in this process.
// Also: the state the steps hand each other stays far inside Inngest's limits (4 MB per step
// output, 32 MB per run) with 10,000 remotes, and the unchanged run really writes nothing.

const MB = 1024 * 1024;

/** Where a run's time went: the fetch phase (parallel steps) and every other step. */
function breakdown(steps: SyncRunStepRecord[]): string {
  const ms = (s: SyncRunStepRecord) => (s.finished_at ? s.finished_at.getTime() - s.started_at.getTime() : 0);
  const fetches = steps.filter((s) => s.step_id.startsWith("fetch-endpoint-"));
  const fetchWall = fetches.length
    ? Math.max(...fetches.map((s) => s.finished_at?.getTime() ?? 0)) - Math.min(...fetches.map((s) => s.started_at.getTime()))
    : 0;
  const perKind = new Map<string, number>();
  for (const s of steps.filter((s) => !s.step_id.startsWith("fetch-endpoint-"))) {
    const kind = s.step_id.replace(/-\d+$/, "-*");
    perKind.set(kind, (perKind.get(kind) ?? 0) + ms(s));
  }
  return [`fetch ${fetchWall} ms`, ...[...perKind].map(([k, v]) => `${k} ${v} ms`)].join(", ");
}

const ENDPOINTS = 10;
const REMOTES = 1000;
const LATENCY = 5;
const CONCURRENCY = 8;

const measured: BenchModule = {
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
      provideDatabase(handle);
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
      await warmSimulators(sims, 300, CONCURRENCY);
      await Promise.all(sims.map((s) => s.control("POST", "reset-stats")));
      // As the server does when it starts (instrumentation.ts): the request pump's thread is up.
      await startRequestPump();
      const runner = new EmbeddedRunner({ scheduleIntervalMs: 0 });
      let peakRss = process.memoryUsage.rss();
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 25);
      const timed = async () => {
        const run = await createSyncRun(ctx, {}, "api");
        const t0 = performance.now();
        await runner.execute(run.id);
        const ms = performance.now() - t0;
        return { ms, run: await getSyncRun(ctx, run.id) };
      };
      const first = await timed();
      // Step outputs are what Inngest would store as run state (the embedded runner keeps them too).
      const [state] = await handle.db
        .select({ max: sql<number>`coalesce(max(octet_length(${syncRunSteps.output}::text)), 0)`, total: sql<number>`coalesce(sum(octet_length(${syncRunSteps.output}::text)), 0)` })
        .from(syncRunSteps)
        .where(eq(syncRunSteps.syncRunId, first.run.id));
      const firstStats = await Promise.all(sims.map((s) => s.stats()));
      await Promise.all(sims.map((s) => s.control("POST", "reset-stats")));
      const second = await timed();
      clearInterval(sampler);
      const secondStats = await Promise.all(sims.map((s) => s.stats()));
      if (first.run.status !== "succeeded" || first.run.created !== ENDPOINTS * REMOTES) throw new Error(`first run: ${first.run.status}, ${first.run.created} created`);
      if (second.run.status !== "succeeded" || second.run.unchanged !== ENDPOINTS * REMOTES) throw new Error(`second run: ${second.run.status}`);
      const [written] = await handle.db.select({ n: count() }).from(objectChanges).where(eq(objectChanges.syncRunId, second.run.id));
      if (Number(written?.n) !== 0) throw new Error(`the unchanged second run wrote ${written?.n} change-log entries`);
      const requests = ENDPOINTS * (REMOTES + 2);
      const fetchBound = (requests / CONCURRENCY) * LATENCY;
      // The same number of calls with none of our code (bench/floor): what the fetch costs here at best.
      const floor = await transportFloor(requests, CONCURRENCY, LATENCY);
      const floorNote = `; the machine's floor for these ${requests} calls (a bare undici Pool and a bare HTTPS server on the same clock): ${floor.toFixed(0)} ms, ${(floor / fetchBound).toFixed(2)}× the fetch bound`;
      const results: BenchResult[] = [
        {
          group: this.group,
          name: `first sync, ${ENDPOINTS} endpoints × ${REMOTES} remotes (10,000 created)`,
          value: first.ms,
          unit: "ms",
          target: 1.3 * fetchBound + 2000,
          kind: "max",
          note: `fetch bound ${fetchBound.toFixed(0)} ms (${requests} requests / ${CONCURRENCY} × ${LATENCY} ms); ${breakdown(first.run.steps)}; ${simLatencyNote(firstStats, LATENCY, (l) => 1.3 * (requests / CONCURRENCY) * l + 2000)}${floorNote}`,
        },
        {
          group: this.group,
          name: "second sync against an unchanged PDM (no change-log entries)",
          value: second.ms,
          unit: "ms",
          target: 1.3 * fetchBound + 500,
          kind: "max",
          note: `${breakdown(second.run.steps)}; ${simLatencyNote(secondStats, LATENCY, (l) => 1.3 * (requests / CONCURRENCY) * l + 500)}${floorNote}`,
        },
        { group: this.group, name: "app process memory during both syncs (peak RSS)", value: peakRss / 1e6, unit: "MB", target: 500, kind: "max" },
        { group: this.group, name: "largest step output, 10,000 remotes (Inngest limit 4 MB)", value: Number(state?.max ?? 0) / MB, unit: "MB", target: 4, kind: "max" },
        { group: this.group, name: "run state, all step outputs (Inngest limit 32 MB)", value: Number(state?.total ?? 0) / MB, unit: "MB", target: 32, kind: "max", note: `${first.run.steps.length} steps` },
      ];
      return results;
    } finally {
      await sims[0]?.stop();
      await handle.close();
      await pg.drop();
    }
  },
};

// The runs commit the inventory to DATA_DIR/inventory.git: the bench's own directory, never ./data.
export const syncBench: BenchModule = { group: measured.group, run: () => withDataDir("nbpdm-syncbench-", () => measured.run()) };
