import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The simulator's mean delay past its configured latency (ms) over `stats`. */
function simLateness(stats: { latency: { answers: number; lateMs: number } }[]): number {
  const answers = stats.reduce((n, s) => n + s.latency.answers, 0);
  return answers ? stats.reduce((n, s) => n + s.latency.lateMs, 0) / answers : 0;
}

/**
 * How the simulator kept its latency (each answer's mean delay past it, how many came early) and
 * the figure's target recomputed at the latency it really delivered: the app's own share, for
 * the reader. The figure is judged against the nominal target only.
 */
export function simLatencyNote(stats: { latency: { answers: number; lateMs: number; early: number } }[], latencyMs: number, targetAt?: (latency: number) => number): string {
  const late = simLateness(stats);
  const early = stats.reduce((n, s) => n + s.latency.early, 0);
  const at = targetAt ? `; target at the ${(latencyMs + late).toFixed(2)} ms delivered: ${targetAt(latencyMs + late).toFixed(0)} ms` : "";
  return `simulator answered ${latencyMs} ms + ${late.toFixed(2)} ms on average, ${early} early${at}`;
}

export function adminDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL ?? process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

/** A throwaway PostgreSQL database for one bench, or null when no server is reachable. */
export async function postgresBenchDatabase(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const { default: postgres } = await import("postgres");
  const admin = postgres(adminDatabaseUrl(), { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await admin`select 1`;
  } catch {
    await admin.end().catch(() => {});
    return null;
  }
  const name = `nbpdm_bench_${randomBytes(4).toString("hex")}`;
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminDatabaseUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/**
 * Runs `fn` with DATA_DIR at a fresh temporary directory (removed afterwards), so the inventory's
 * Git repository (DATA_DIR/inventory.git) and anything else the app keeps there are the bench's
 * own — never ./data.
 */
export async function withDataDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const prev = process.env.DATA_DIR;
  process.env.DATA_DIR = dir;
  try {
    return await fn(dir);
  } finally {
    if (prev === undefined) delete process.env.DATA_DIR;
    else process.env.DATA_DIR = prev;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const ROOT = path.join(__dirname, "..");

/**
 * `next build` into `distDir` (a directory of the benches' own, so a build for the tests stays as
 * it is). next build adds its dist directory's types to tsconfig.json: the file is put back.
 */
export function nextBuild(distDir: string): void {
  const tsconfig = fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8");
  const build = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "next", "dist", "bin", "next"), "build"], {
    cwd: ROOT,
    env: { ...process.env, NEXT_DIST_DIR: distDir, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: "ignore",
  });
  fs.writeFileSync(path.join(ROOT, "tsconfig.json"), tsconfig);
  if (build.status !== 0) throw new Error("next build failed");
}

/**
 * `perSim` remote-version requests to each simulator, `concurrency` at a time, on connections
 * closed afterwards: the simulator stands in for long-running servers, so its JIT warms up before
 * the clock starts, through a client of its own (not the app's, which the runs measure cold).
 */
export async function warmSimulators(sims: { url: string; tokenId: string; tokenSecret: string }[], perSim: number, concurrency: number): Promise<void> {
  const { Pool } = await import("undici");
  for (const sim of sims) {
    const pool = new Pool(sim.url, { connections: concurrency, connect: { rejectUnauthorized: false } });
    try {
      const headers = { authorization: `PDMAPIToken=${sim.tokenId}:${sim.tokenSecret}` };
      const get = async (p: string) => (await pool.request({ path: `/api2/json${p}`, method: "GET", headers })).body.text();
      const ids = (JSON.parse(await get("/remotes/remote")) as { data: { id: string }[] }).data.map((r) => r.id);
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < perSim) await get(`/remotes/remote/${encodeURIComponent(ids[next++ % ids.length]!)}/version`);
        }),
      );
    } finally {
      await pool.close();
    }
  }
}
