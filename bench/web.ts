import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import autocannon from "autocannon";
import { sql } from "drizzle-orm";
import { openDatabase, runMigrations } from "@/db/client";
import type { NewPdmRemote } from "@/db/schema";
import { createContext, SYSTEM_ACTOR } from "@/lib/services/context";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";
import { bulkCreateRemotes } from "@/lib/services/pdm-remotes/bulk";
import type { BenchModule, BenchResult } from "./types";
import { freePort, median, nextBuild, postgresBenchDatabase } from "./util";

// Issue #3 numbers on a production build (`next start`) over PostgreSQL with 10,000 remotes:
// the remotes API (latency and throughput) and the remotes list page.

/** Set once the server's port is chosen (a free one, so a busy 3230 or a second checkout never collides). */
let BASE = "";
const TOKEN = "BenchToken0000000000000000000000000000AB";
const PASSWORD = "bench-admin-password";
const root = path.join(__dirname, "..");

async function seed(url: string) {
  const handle = await openDatabase({ databaseUrl: url });
  try {
    await runMigrations(handle);
    const ctx = createContext(handle.db, SYSTEM_ACTOR);
    for (let e = 0; e < 10; e++) {
      const ep = await pdmEndpointService.create(ctx, { name: `web-bench-${e}`, host: `pdm${e}.example.net`, token_id: "root@pam!bench", token_secret: "bench" });
      const rows: NewPdmRemote[] = Array.from({ length: 1000 }, (_, i) => ({
        pdmEndpointId: ep.id,
        name: `${i % 5 === 0 ? "pbs" : "pve"}-${e}-${String(i).padStart(4, "0")}`,
        remoteType: i % 5 === 0 ? "pbs" : "pve",
        version: i % 5 === 0 ? "4.0" : `9.0.${i % 11}`,
        nodes: [{ host: `10.${e}.${i >> 8}.${i & 255}`, port: 8006, fingerprint: null }],
        authid: "root@pam!pdm",
        lastSeenAt: new Date(),
      }));
      await bulkCreateRemotes(ctx, rows);
    }
    // The steady state a server reaches after autovacuum: visibility map and statistics current.
    await handle.db.execute(sql`vacuum analyze`);
  } finally {
    await handle.close();
  }
}

async function waitUp(): Promise<void> {
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(`${BASE}/api/status/`)).ok) return;
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("the server did not start");
}

async function signIn(): Promise<string> {
  const csrfRes = await fetch(`${BASE}/api/auth/csrf/`);
  const cookies = (csrfRes.headers.getSetCookie?.() ?? []).map((c) => c.split(";")[0]).join("; ");
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const res = await fetch(`${BASE}/api/auth/callback/credentials/`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies },
    body: new URLSearchParams({ csrfToken, username: "admin", password: PASSWORD, json: "true" }),
  });
  const session = (res.headers.getSetCookie?.() ?? []).find((c) => c.startsWith("next-auth.session-token="));
  if (!session) throw new Error("sign-in failed");
  return session.split(";")[0]!;
}

async function timeGets(url: string, headers: Record<string, string>, warm: number, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < warm + runs; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers });
    await res.text();
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    if (i >= warm) times.push(performance.now() - t);
  }
  return times;
}

export const webBench: BenchModule = {
  group: "API and UI (issue #3)",
  async run() {
    const pg = await postgresBenchDatabase();
    if (!pg) {
      console.warn("PostgreSQL not reachable: API/UI figures skipped.");
      return [];
    }
    let server: ChildProcess | undefined;
    try {
      await seed(pg.url);
      const port = await freePort();
      BASE = `http://127.0.0.1:${port}`;
      const env = { ...process.env, NEXT_DIST_DIR: ".next-bench", NEXT_TELEMETRY_DISABLED: "1" };
      nextBuild(".next-bench");
      server = spawn(process.execPath, [path.join(root, "node_modules", "next", "dist", "bin", "next"), "start", "-p", String(port), "-H", "127.0.0.1"], {
        cwd: root,
        stdio: "ignore",
        env: {
          ...env,
          NODE_ENV: "production",
          DATABASE_URL: pg.url,
          SECRET_KEY: "bench-secret-key-0123456789abcdef",
          SUPERUSER_NAME: "admin",
          SUPERUSER_PASSWORD: PASSWORD,
          SUPERUSER_API_TOKEN: TOKEN,
          LOG_LEVEL: "warn",
        },
      });
      await waitUp();
      const auth = { Authorization: `Token ${TOKEN}`, Accept: "application/json" };
      const apiUrl = `${BASE}/api/plugins/pdm/remotes/?limit=50&remote_type=pve`;
      const apiTimes = await timeGets(apiUrl, auth, 50, 200);
      await autocannon({ url: apiUrl, connections: 16, duration: 5, headers: auth }); // JIT warm-up under load
      const cannon = await autocannon({ url: apiUrl, connections: 16, duration: 10, headers: auth });
      // The same load with a cache-busting `_` parameter (ignored as a filter): every request is a
      // list-cache miss and reads, hydrates and serializes the page afresh.
      let n = 0;
      const cold = await autocannon({
        url: apiUrl,
        connections: 16,
        duration: 10,
        headers: auth,
        requests: [{ setupRequest: (r: autocannon.Request) => ({ ...r, path: `/api/plugins/pdm/remotes/?limit=50&remote_type=pve&_=${++n}` }) }],
      });
      const cookie = await signIn();
      const pageTimes = await timeGets(`${BASE}/plugins/pdm/remotes/`, { cookie }, 5, 30);
      const errors = cannon.errors + cannon.timeouts + cannon.non2xx + cold.errors + cold.timeouts + cold.non2xx;
      const results: BenchResult[] = [
        { group: this.group, name: "GET /api/plugins/pdm/remotes/?limit=50&remote_type=pve, 10,000 remotes (median)", value: median(apiTimes), unit: "ms", target: 20, kind: "max", note: "200 sequential requests on next start" },
        { group: this.group, name: "same, 16 concurrent connections for 10 s (autocannon)", value: cannon.requests.average, unit: "req/s", target: 300, kind: "min", note: `repeats served by the snapshot-checked list cache; every request a cache miss (&_=n): ${cold.requests.average.toFixed(1)} req/s` },
        { group: this.group, name: "errors under that load (both runs)", value: errors, unit: "count", target: 0, kind: "max" },
        { group: this.group, name: "remotes list page with 10,000 remotes: server response (median)", value: median(pageTimes), unit: "ms", target: 250, kind: "max", note: "signed-in HTML, 30 requests" },
      ];
      return results;
    } finally {
      if (server && server.exitCode === null) {
        const exited = new Promise((r) => server!.once("exit", r));
        server.kill("SIGTERM");
        await exited;
      }
      await pg.drop();
    }
  },
};
