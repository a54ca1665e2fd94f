import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "@/bench/util";

// The real Inngest server beside the real app: `inngest dev` or `inngest start` (the binary
// `npm run inngest:build` makes from tools/inngest-server) and `next start` on a production build,
// each a process of its own on free ports on 127.0.0.1. Shared by the real-server suites
// (tests/inngest-server/*.test.ts) and `npm run bench -- inngest`.

const ROOT = path.join(__dirname, "..", "..");

/** The server version tools/inngest-server/go.mod pins (what the app is tested against). */
export function inngestServerVersion(): string {
  const gomod = fs.readFileSync(path.join(ROOT, "tools", "inngest-server", "go.mod"), "utf8");
  const m = /github\.com\/inngest\/inngest (v[\d.]+)/.exec(gomod);
  if (!m) throw new Error("tools/inngest-server/go.mod pins no github.com/inngest/inngest version");
  return m[1]!;
}

/** Where `npm run inngest:build` puts the binary (scripts/inngest-build.sh, same rule). */
export function inngestServerPath(): string {
  const cache = process.env.NETBOX_PDM_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "netbox-pdm");
  return path.join(cache, `inngest-${inngestServerVersion()}`, "inngest");
}

/** The built server, or null (not built: `npm run inngest:build`). */
export function inngestServerBinary(): string | null {
  const bin = inngestServerPath();
  return fs.existsSync(bin) ? bin : null;
}

/** A child in a process group of its own: stopping it stops whatever it started too. */
function startGroup(cmd: string, args: string[], env: Record<string, string | undefined>, cwd = ROOT): ChildProcess {
  return spawn(cmd, args, { cwd, env: env as NodeJS.ProcessEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once("exit", () => r())));
}

async function stopGroup(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  try {
    process.kill(-child.pid!, signal);
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      /* gone */
    }
  }, graceMs);
  await done;
  clearTimeout(timer);
}

/** The last `max` characters a child wrote, for error messages. */
function tail(child: ChildProcess, max = 20_000): () => string {
  let out = "";
  const keep = (c: Buffer) => {
    out = (out + c.toString()).slice(-max);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return () => out;
}

async function waitUntil(what: string, ok: () => Promise<boolean>, child: ChildProcess, log: () => string, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}):\n${log()}`);
    try {
      if (await ok()) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000} s:\n${log()}`);
}

export interface InngestServer {
  url: string;
  mode: "dev" | "start";
  signingKey?: string;
  eventKey?: string;
  /** GET on the server's REST API (/v1/…), authenticated with the signing key in start mode. */
  api<T = unknown>(route: string): Promise<{ status: number; body: T }>;
  log(): string;
  stop(): Promise<void>;
}

export interface InngestServerOptions {
  mode: "dev" | "start";
  /** The app's serve URL (…/api/inngest). */
  appUrl: string;
  /** Fixed delay between a failed step's attempts (s), instead of Inngest's 15 s, 30 s, 1 min… table. */
  retryIntervalSeconds?: number;
}

/**
 * `inngest dev --no-discovery -u <app>` or `inngest start` (event and signing keys, SQLite in a
 * directory of its own) with every port of its own free on 127.0.0.1.
 */
export async function startInngestServer(opts: InngestServerOptions): Promise<InngestServer> {
  const bin = inngestServerBinary();
  if (!bin) throw new Error(`The Inngest server is not built (${inngestServerPath()}): run npm run inngest:build`);
  const [port, gateway, gatewayGrpc, executorGrpc] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const url = `http://127.0.0.1:${port}`;
  const args = [
    opts.mode,
    "--host", "127.0.0.1",
    "--port", String(port),
    "--connect-gateway-port", String(gateway),
    "--connect-gateway-grpc-port", String(gatewayGrpc),
    "--connect-executor-grpc-port", String(executorGrpc),
    "-u", opts.appUrl,
  ];
  if (opts.retryIntervalSeconds) args.push("--retry-interval", String(opts.retryIntervalSeconds));
  let signingKey: string | undefined;
  let eventKey: string | undefined;
  let sqliteDir: string | undefined;
  if (opts.mode === "dev") args.push("--no-discovery");
  else {
    signingKey = randomBytes(32).toString("hex");
    eventKey = randomBytes(16).toString("hex");
    sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), "nbpdm-inngest-"));
    args.push("--signing-key", signingKey, "--event-key", eventKey, "--sqlite-dir", sqliteDir);
  }
  const env: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, LOG_LEVEL: "warn", DO_NOT_TRACK: "1" };
  const child = startGroup(bin, ["--json", ...args], env);
  const log = tail(child);
  const server: InngestServer = {
    url,
    mode: opts.mode,
    signingKey,
    eventKey,
    async api<T>(route: string) {
      const res = await fetch(`${url}${route}`, { headers: signingKey ? { Authorization: `Bearer ${signingKey}` } : {} });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: body as T };
    },
    log,
    async stop() {
      await stopGroup(child);
      if (sqliteDir) fs.rmSync(sqliteDir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntil(`inngest ${opts.mode}`, async () => (await fetch(`${url}/health`)).ok, child, log);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

export const APP_ADMIN_TOKEN = "ITadmin0token000000000000000000000000000";

export interface AppOptions {
  databaseUrl: string;
  /** Absent: the embedded runner. */
  inngest?: InngestServer;
  /** A port to listen on (a restart keeps its URL); default a free one. */
  port?: number;
  dataDir?: string;
  distDir?: string;
}

export interface App {
  url: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  /** The app's REST API as its admin. */
  api<T = unknown>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }>;
  log(): string;
  /** SIGTERM (or `signal`) and wait; keeps DATA_DIR for a restart. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port, DATA_DIR and database. */
  restart(): Promise<App>;
  /** Stops it and removes its DATA_DIR. */
  dispose(): Promise<void>;
}

/** The environment the app gets: nothing from this process's INNGEST_* / DATABASE_URL / DATA_DIR. */
function appEnv(opts: Required<Pick<AppOptions, "databaseUrl" | "dataDir">> & AppOptions, port: number): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(INNGEST_|DATABASE_URL$|DATA_DIR$|PORT$|NEXT_DIST_DIR$)/.test(k)) env[k] = v;
  Object.assign(env, {
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    PORT: String(port),
    DATA_DIR: opts.dataDir,
    DATABASE_URL: opts.databaseUrl,
    SECRET_KEY: "inngest-it-secret-key-0123456789abcdef",
    SUPERUSER_NAME: "admin",
    SUPERUSER_PASSWORD: "inngest-it-password",
    SUPERUSER_API_TOKEN: APP_ADMIN_TOKEN,
    LOG_LEVEL: "warn",
  });
  if (opts.distDir) env.NEXT_DIST_DIR = opts.distDir;
  const server = opts.inngest;
  if (server?.mode === "dev") env.INNGEST_DEV = server.url;
  if (server?.mode === "start") {
    env.INNGEST_BASE_URL = server.url;
    env.INNGEST_SIGNING_KEY = server.signingKey;
    env.INNGEST_EVENT_KEY = server.eventKey;
  }
  return env;
}

/** `next start` on a production build (`next build` first), on its own database and DATA_DIR. */
export async function startApp(opts: AppOptions): Promise<App> {
  const port = opts.port ?? (await freePort());
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "nbpdm-inngest-app-"));
  const full = { ...opts, dataDir, port };
  const next = path.join(ROOT, "node_modules", "next", "dist", "bin", "next");
  const child = startGroup(process.execPath, [next, "start", "-p", String(port), "-H", "127.0.0.1"], appEnv(full, port));
  const log = tail(child);
  const url = `http://127.0.0.1:${port}`;
  const app: App = {
    url,
    port,
    dataDir,
    child,
    async api<T>(method: string, route: string, body?: unknown) {
      const res = await fetch(`${url}${route}`, {
        method,
        headers: { Authorization: `Token ${APP_ADMIN_TOKEN}`, Accept: "application/json", ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
    },
    log,
    stop: (signal) => stopGroup(child, signal),
    restart: async () => {
      await stopGroup(child);
      return startApp(full);
    },
    async dispose() {
      await stopGroup(child);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntil("next start", async () => (await fetch(`${url}/api/status/`)).ok, child, log);
    if (opts.inngest) {
      // Tell the server about the app's functions now rather than at its next poll.
      const res = await fetch(`${url}/api/inngest`, { method: "PUT" });
      if (!res.ok) throw new Error(`registering with the Inngest server: ${res.status} ${await res.text()}`);
    }
  } catch (err) {
    await app.dispose();
    throw err;
  }
  return app;
}

/** A sync run as the REST API shows it (the fields these suites read). */
export interface RunView {
  id: number;
  status: string;
  trigger: string;
  engine: string;
  error: string | null;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  endpoints: { id: number; name: string; outcome: string; created: number; updated: number; deleted: number; unchanged: number; error: string | null }[];
  progress: { currentStep: string | null } | null;
  branch: string | null;
  merge_outcome: string | null;
  inngest_run_id: string | null;
  inngest_url: string | null;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export const TERMINAL = ["succeeded", "partial", "failed", "skipped", "left_open"];

async function ok<T>(p: Promise<{ status: number; body: T }>, want: number, what: string): Promise<T> {
  const res = await p;
  if (res.status !== want) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A PDM endpoint for a simulator (pinned by its fingerprint), through the REST API. */
export function createEndpoint(app: App, sim: { host: string; port: number; tokenId: string; tokenSecret: string; fingerprint: string }, name: string, extra: Record<string, unknown> = {}) {
  const body = { name, host: sim.host, port: sim.port, token_id: sim.tokenId, token_secret: sim.tokenSecret, fingerprint: sim.fingerprint, ...extra };
  return ok(app.api<{ id: number; name: string }>("POST", "/api/plugins/pdm/endpoints/", body), 201, `creating endpoint ${name}`);
}

export function patchSettings(app: App, patch: Record<string, unknown>) {
  return ok(app.api<Record<string, unknown>>("PATCH", "/api/plugins/pdm/settings/", patch), 200, "updating the settings");
}

/** Requests a run (202) and returns its id. */
export async function requestSync(app: App, endpoints?: number[]): Promise<number> {
  return (await ok(app.api<{ id: number }>("POST", "/api/plugins/pdm/sync-runs/", endpoints ? { endpoints } : {}), 202, "requesting a sync")).id;
}

export function getRun(app: App, id: number): Promise<RunView> {
  return ok(app.api<RunView>("GET", `/api/plugins/pdm/sync-runs/${id}/`), 200, `reading run ${id}`);
}

/** Polls the run until it has ended (or `until` says so). */
export async function waitForRun(app: App, id: number, opts: { timeoutMs?: number; intervalMs?: number; until?: (r: RunView) => boolean } = {}): Promise<RunView> {
  const until = opts.until ?? ((r: RunView) => TERMINAL.includes(r.status));
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    const run = await getRun(app, id);
    if (until(run)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} is still ${run.status} (${JSON.stringify(run.progress)}); app log:\n${app.log()}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

export async function syncAndWait(app: App, endpoints?: number[]): Promise<RunView> {
  return waitForRun(app, await requestSync(app, endpoints));
}

export interface ChangeView {
  action: string;
  changed_object_type: string;
  changed_object_id: number;
  object_repr: string;
  request_id: string;
  user_name: string;
  prechange_data: Record<string, unknown> | null;
  postchange_data: Record<string, unknown> | null;
}

/** The change-log entries a run made. */
export async function runChanges(app: App, runId: number): Promise<ChangeView[]> {
  const page = await ok(app.api<{ count: number; results: ChangeView[] }>("GET", `/api/core/object-changes/?sync_run_id=${runId}&limit=1000&ordering=id`), 200, "reading the change log");
  if (page.count > page.results.length) throw new Error(`run ${runId} made ${page.count} changes; read them in pages`);
  return page.results;
}

/**
 * The server's own record of a run (GET /v1/runs/{id}) once it has reached `status`: the app's run
 * ends in its last step, a moment before the server records the function's return.
 */
export async function serverRun(server: InngestServer, inngestRunId: string, status: string): Promise<{ run_id: string; status: string; event_id: string }> {
  let last: unknown;
  for (const until = Date.now() + 15_000; Date.now() < until; ) {
    const res = await server.api<{ data?: { run_id: string; status: string; event_id: string } }>(`/v1/runs/${inngestRunId}`);
    last = res;
    if (res.status === 200 && res.body.data?.status === status) return res.body.data;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server's run ${inngestRunId} did not reach ${status}: ${JSON.stringify(last)}`);
}
