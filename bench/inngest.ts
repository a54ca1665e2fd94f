import { freePort, median, nextBuild, postgresBenchDatabase, simLatencyNote, warmSimulators } from "./util";
import { spawnSimulators, type SimProcess } from "@/sim/process";
import { createEndpoint, inngestServerBinary, patchSettings, requestSync, startApp, startInngestServer, waitForRun, type App, type InngestServer, type RunView } from "@/tests/inngest-server/harness";
import type { BenchModule, BenchResult } from "./types";

// Issue #18 numbers: the sync of bench/sync.ts (10 endpoints × 1,000 remotes at 5 ms simulator
// latency, fetch concurrency 8, PostgreSQL) on a production build (`next start`), once through
// the real Inngest dev server and once through the embedded runner, on the same machine in the
// same run, each app on a database of its own, both against the same simulators. A run's wall
// time is from the request (POST /sync-runs/, 202) to the API showing it ended, polled every
// 10 ms. The per-step overhead is measured on runs whose steps do almost nothing.

const ENDPOINTS = 10;
const REMOTES = 1000;
const LATENCY = 5;
const CONCURRENCY = 8;
const REPEATS = 3;

async function timedRun(app: App, endpoints?: number[]): Promise<{ ms: number; run: RunView }> {
  const t0 = performance.now();
  const id = await requestSync(app, endpoints);
  const run = await waitForRun(app, id, { intervalMs: 10, timeoutMs: 300_000 });
  const ms = performance.now() - t0;
  if (run.status !== "succeeded") throw new Error(`run ${id} on ${run.engine}: ${run.status} ${run.error ?? ""}`);
  return { ms, run };
}

export const inngestBench: BenchModule = {
  group: "Inngest server (issue #18)",
  async run() {
    if (!inngestServerBinary()) {
      console.warn("The Inngest server is not built (npm run inngest:build): Inngest figures skipped.");
      return [];
    }
    const pgE = await postgresBenchDatabase();
    if (!pgE) {
      console.warn("PostgreSQL not reachable: Inngest figures skipped.");
      return [];
    }
    const pgI = (await postgresBenchDatabase())!;
    const distDir = ".next-bench";
    nextBuild(distDir);
    let sims: SimProcess[] = [];
    let server: InngestServer | undefined;
    const apps: App[] = [];
    try {
      sims = await spawnSimulators(ENDPOINTS, ["--remotes", String(REMOTES), "--latency", String(LATENCY), "--auth-delay", "0", "--seed", "500", "--prefix", "e"]);
      // A run with nothing to fetch: one endpoint of its own, with no remotes.
      const [empty] = await spawnSimulators(1, ["--remotes", "0", "--auth-delay", "0", "--seed", "501"]);
      sims.push(empty!);
      const port = await freePort();
      server = await startInngestServer({ mode: "dev", appUrl: `http://127.0.0.1:${port}/api/inngest` });
      const viaServer = await startApp({ databaseUrl: pgI.url, inngest: server, port, distDir });
      apps.push(viaServer);
      const embedded = await startApp({ databaseUrl: pgE.url, distDir });
      apps.push(embedded);
      const emptyIds = new Map<App, number>();
      for (const app of [embedded, viaServer]) {
        await patchSettings(app, { pdm_fetch_concurrency: CONCURRENCY });
        emptyIds.set(app, (await createEndpoint(app, empty!, "bench-pdm-empty")).id);
      }
      await warmSimulators(sims.slice(0, ENDPOINTS), 300, CONCURRENCY);
      await Promise.all(sims.map((s) => s.control("POST", "reset-stats")));

      // Each round adds ten endpoints (on the same ten simulators) to both apps and syncs just
      // those: a first sync, 10,000 remotes created. The engines take turns going first, so the
      // machine's noise (it is shared) falls on both.
      const engines = [["embedded", embedded], ["viaServer", viaServer]] as const;
      const first = { embedded: [] as number[], viaServer: [] as number[] };
      const roundIds: Map<App, number[]>[] = [];
      for (let round = 0; round < REPEATS; round++) {
        const ids = new Map<App, number[]>();
        for (const [, app] of engines) {
          const mine: number[] = [];
          for (const [i, sim] of sims.slice(0, ENDPOINTS).entries()) mine.push((await createEndpoint(app, sim, `bench-r${round}-pdm-${i}`)).id);
          ids.set(app, mine);
        }
        roundIds.push(ids);
        for (const [key, app] of round % 2 ? [...engines].reverse() : engines) {
          const r = await timedRun(app, ids.get(app));
          if (r.run.created !== ENDPOINTS * REMOTES) throw new Error(`first run on ${r.run.engine}: ${r.run.created} created`);
          first[key].push(r.ms);
        }
      }
      const stats = await Promise.all(sims.slice(0, ENDPOINTS).map((s) => s.stats()));
      // The first round's endpoints again: nothing changed.
      const again = { embedded: [] as number[], viaServer: [] as number[] };
      for (let round = 0; round < REPEATS; round++) {
        for (const [key, app] of round % 2 ? [...engines].reverse() : engines) {
          const r = await timedRun(app, roundIds[0]!.get(app));
          if (r.run.unchanged !== ENDPOINTS * REMOTES) throw new Error(`unchanged run on ${r.run.engine}: ${JSON.stringify(r.run)}`);
          again[key].push(r.ms);
        }
      }
      const minimal = { embedded: [] as number[], viaServer: [] as number[] };
      for (let i = 0; i < 2 * REPEATS; i++) {
        for (const [key, app] of i % 2 ? [...engines].reverse() : engines) minimal[key].push((await timedRun(app, [emptyIds.get(app)!])).ms);
      }
      // start, then prepare-git beside the fetch, reconcile, commit-main, finish: six steps, five
      // one after another.
      const MINIMAL_STEPS = 5;
      const perStep = (median(minimal.viaServer) - median(minimal.embedded)) / MINIMAL_STEPS;
      const fetchBound = ((ENDPOINTS * (REMOTES + 2)) / CONCURRENCY) * LATENCY;
      const steps = 2 + 2 * ENDPOINTS + 2;
      const results: BenchResult[] = [
        {
          group: this.group,
          name: `first sync, ${ENDPOINTS} endpoints × ${REMOTES} remotes (10,000 created), through the Inngest dev server (median of ${REPEATS})`,
          value: median(first.viaServer),
          unit: "ms",
          target: 1.3 * median(first.embedded),
          kind: "max",
          note: `embedded runner, same build and scenario: ${median(first.embedded).toFixed(0)} ms; server ${(median(first.viaServer) / median(first.embedded)).toFixed(2)}× (target ≤ 1.3×); all runs: server ${first.viaServer.map((v) => v.toFixed(0)).join(", ")}, embedded ${first.embedded.map((v) => v.toFixed(0)).join(", ")} ms; ${steps} steps; fetch bound ${fetchBound.toFixed(0)} ms; ${simLatencyNote(stats, LATENCY)}`,
        },
        {
          group: this.group,
          name: `unchanged sync of the same 10,000 remotes through the Inngest dev server (median of ${REPEATS})`,
          value: median(again.viaServer),
          unit: "ms",
          target: 1.3 * median(again.embedded),
          kind: "max",
          note: `embedded runner: ${median(again.embedded).toFixed(0)} ms (median of ${REPEATS}); server ${(median(again.viaServer) / median(again.embedded)).toFixed(2)}× (target ≤ 1.3×)`,
        },
        {
          group: this.group,
          name: "per-step overhead the Inngest dev server adds (a run whose steps do almost nothing)",
          value: perStep,
          unit: "ms",
          // Not a target of the issue: what the 1.3× leaves for the server at this run's 24 steps.
          target: (0.3 * median(first.embedded)) / steps,
          kind: "max",
          note: `(server − embedded) ÷ ${MINIMAL_STEPS} on a run of one endpoint with no remotes (6 steps, ${MINIMAL_STEPS} one after another): ${median(minimal.viaServer).toFixed(0)} ms through the server vs ${median(minimal.embedded).toFixed(0)} ms embedded (medians of ${2 * REPEATS}); target: 0.3 × the embedded first sync ÷ its ${steps} steps`,
        },
      ];
      return results;
    } finally {
      for (const app of apps) await app.dispose();
      await server?.stop();
      await sims[0]?.stop();
      await sims[ENDPOINTS]?.stop();
      await pgE.drop();
      await pgI.drop();
    }
  },
};
