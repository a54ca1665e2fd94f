// `npm run demo`: netbox-pdm on the embedded database and workflow runner, next to a PDM
// simulator with a realistic data set. It registers the simulator as a PDM endpoint (pinned by
// fingerprint) with matching Proxmox endpoints and PBS servers, runs a first sync, and prints the
// URL and sign-in. Ctrl+C (or SIGTERM) stops everything. Re-running reuses ./data (or DATA_DIR).
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { spawnSimulator, type SimProcess } from "../sim/process";
import type { SimRemote } from "../sim/data";

const root = path.join(__dirname, "..");
const dataDir = path.resolve(process.env.DATA_DIR ?? path.join(root, "data"));
const port = Number(process.env.PORT ?? 3000);
const base = `http://localhost:${port}`;

interface DemoSecrets {
  password: string;
  token: string;
  simTokenSecret: string;
}

function secrets(): DemoSecrets {
  const file = path.join(dataDir, "demo-credentials.json");
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as DemoSecrets;
  } catch {
    const s: DemoSecrets = {
      password: crypto.randomBytes(9).toString("base64url"),
      token: crypto.randomBytes(30).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, 40).padEnd(40, "x"),
      simTokenSecret: crypto.randomUUID(),
    };
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(s), { mode: 0o600 });
    return s;
  }
}

async function api<T = Record<string, unknown>>(token: string, method: string, url: string, body?: unknown): Promise<{ status: number; data: T }> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { Authorization: `Token ${token}`, "Content-Type": "application/json", Accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, data: (text ? JSON.parse(text) : null) as T };
}

async function upsert(token: string, path: string, match: string, body: Record<string, unknown>): Promise<number> {
  const found = await api<{ results: { id: number }[] }>(token, "GET", `${path}?${match}`);
  if (found.data.results[0]) {
    await api(token, "PATCH", `${path}${found.data.results[0].id}/`, body);
    return found.data.results[0].id;
  }
  const created = await api<{ id: number }>(token, "POST", path, body);
  if (created.status !== 201) throw new Error(`creating ${path}: ${JSON.stringify(created.data)}`);
  return created.data.id;
}

function hostPort(hostname: string): { host: string; port: number | null } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostname) ?? /^([^:]+)(?::(\d+))?$/.exec(hostname);
  return m ? { host: m[1]!, port: m[2] ? Number(m[2]) : null } : { host: hostname, port: null };
}

/** Proxmox endpoints / PBS servers for most remotes, so linking has something to find. */
async function seedTargets(token: string, remotes: SimRemote[], siteIds: number[]): Promise<{ pve: number[]; pbs: number[] }> {
  const out = { pve: [] as number[], pbs: [] as number[] };
  let i = 0;
  for (const r of remotes) {
    i++;
    if (i % 7 === 0) continue; // some remotes stay unlinked, as in real life
    const node = r.nodes[0]!;
    const { host, port } = hostPort(node.hostname);
    const body = {
      name: `${r.id}`,
      host,
      port: port ?? (r.type === "pve" ? 8006 : 8007),
      fingerprint: i % 3 === 0 ? node.fingerprint : null,
      site: siteIds[i % siteIds.length],
      description: "created by the demo",
    };
    const id = await upsert(token, r.type === "pve" ? "/api/plugins/proxbox/endpoints/" : "/api/plugins/pbs/servers/", `name=${encodeURIComponent(r.id)}`, body);
    out[r.type].push(id);
  }
  return out;
}

async function waitFor(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not come up`);
}

/**
 * Starts a child in a process group of its own, so that stopping it also stops whatever it
 * started (a wrapper such as npx or sh would otherwise leave its child running).
 */
export function startService(command: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn(command, args, { ...opts, detached: true });
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the child's whole process group; SIGKILL for what is still there after `graceMs`. */
export async function stopService(child: ChildProcess, graceMs = 10_000): Promise<void> {
  const pid = child.pid;
  if (!pid || !groupAlive(pid)) return;
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    /* already gone */
  }
  const until = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  if (groupAlive(pid)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* gone meanwhile */
    }
  }
}

// Everything the demo started, stopped in reverse order on Ctrl+C, SIGTERM, or a failure.
const children: (ChildProcess | SimProcess)[] = [];
let stopping: Promise<never> | null = null;
function stopAll(code: number): Promise<never> {
  return (stopping ??= (async () => {
    for (const c of [...children].reverse()) {
      if ("stop" in c) await c.stop().catch(() => {});
      else await stopService(c);
    }
    process.exit(code);
  })());
}

async function main() {
  const started = Date.now();
  process.on("SIGINT", () => void stopAll(0));
  process.on("SIGTERM", () => void stopAll(0));
  if (!fs.existsSync(path.join(root, ".next", "BUILD_ID"))) {
    console.log("Building the app (first run only)…");
    const build = spawnSync(process.execPath, [nextBin(), "build"], { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
  const built = Date.now();
  const s = secrets();

  const sim = await spawnSimulator(["--remotes", "48", "--pbs-share", "0.25", "--seed", "2026", "--latency", "3", "--token-secret", s.simTokenSecret, "--token-id", "root@pam!netbox-pdm"]);
  children.push(sim);
  // Next itself (not through npx), in a process group of its own: stopping it stops the server.
  const app = startService(process.execPath, [nextBin(), "start", "-p", String(port)], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      DATA_DIR: dataDir,
      SUPERUSER_NAME: "admin",
      SUPERUSER_PASSWORD: s.password,
      SUPERUSER_API_TOKEN: s.token,
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    },
  });
  children.push(app);
  app.on("exit", (code) => {
    if (stopping) return;
    console.error(`The app exited (code ${code}).`);
    void stopAll(1);
  });
  await waitFor(`${base}/api/status/`, 60_000);

  const sites = [
    await upsert(s.token, "/api/dcim/sites/", "slug=ams1", { name: "Amsterdam DC1", slug: "ams1" }),
    await upsert(s.token, "/api/dcim/sites/", "slug=fra1", { name: "Frankfurt DC1", slug: "fra1" }),
  ];
  const tenant = await upsert(s.token, "/api/tenancy/tenants/", "slug=platform", { name: "Platform team", slug: "platform" });
  const remotes = ((await sim.control("GET", "state")) as { remotes: SimRemote[] }).remotes;
  const targets = await seedTargets(s.token, remotes, sites);
  const endpoint = await upsert(s.token, "/api/plugins/pdm/endpoints/", "name=pdm-demo", {
    name: "pdm-demo",
    host: sim.host,
    port: sim.port,
    token_id: sim.tokenId,
    token_secret: sim.tokenSecret,
    fingerprint: sim.fingerprint,
    site: sites[0],
    tenant,
    proxmox_endpoints: targets.pve.slice(0, Math.ceil(targets.pve.length / 2)),
    pbs_servers: targets.pbs,
    description: "The PDM simulator started by npm run demo",
  });
  const run = await api<{ id: number }>(s.token, "POST", "/api/plugins/pdm/sync-runs/", { endpoints: [endpoint] });
  let status = "queued";
  for (let i = 0; i < 120 && ["queued", "running"].includes(status); i++) {
    await new Promise((r) => setTimeout(r, 500));
    status = (await api<{ status: string }>(s.token, "GET", `/api/plugins/pdm/sync-runs/${run.data.id}/`)).data.status;
  }
  console.log(
    [
      "",
      "──────────────────────────────────────────────────────────────",
      `  netbox-pdm is running: ${base}/`,
      `  Sign in as admin / ${s.password}`,
      `  First sync: run #${run.data.id} ${status}, ${Math.round((Date.now() - built) / 1000)} s after the app started${built - started > 1000 ? ` (the build took ${Math.round((built - started) / 1000)} s)` : ""}`,
      `  PDM simulator: ${sim.url} (${remotes.length} remotes), pinned ${sim.fingerprint.slice(0, 23)}…`,
      `  API token (admin): ${s.token}`,
      `  Demo data and credentials live in ${dataDir}. Press Ctrl+C to stop.`,
      "──────────────────────────────────────────────────────────────",
      "",
    ].join("\n"),
  );
}

function nextBin(): string {
  return require.resolve("next/dist/bin/next", { paths: [root] });
}

// Run as a script (`tsx scripts/demo.ts`), not when a test imports the helpers above.
if (/[\\/]demo\.ts$/.test(process.argv[1] ?? "")) {
  main().catch(async (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    // Never leave the simulator or the app running behind a failed demo.
    await stopAll(1);
  });
}
