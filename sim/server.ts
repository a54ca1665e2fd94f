import crypto from "node:crypto";
import https from "node:https";
import type { Socket } from "node:net";
import { parseAcl, parseToken, type SimToken } from "./acl";
import { waitUntil } from "./clock";
import { controlRoutes, type SimControl } from "./control-routes";
import { generateRemotes, type GenerateOptions, type SimRemote } from "./data";
import { Faults } from "./faults";
import { DEFAULT_OFFLINE_REASON, extjs, PdmRoutes } from "./pdm-routes";
import { send } from "./reply";
import { SimState } from "./state";
import { FrontDoor, makeCertificate } from "./tls";

export type { SimAclEntry, SimRole, SimToken } from "./acl";

// A PDM 1.1 over HTTPS that speaks PDM's wire format (pdm-api.md §7; sim/pdm-routes.ts), with a
// control interface (in-process, and over HTTP under /__sim/; sim/control-routes.ts) that changes
// state between syncs and injects faults (sim/faults.ts); stats count requests, in-flight peaks
// and connections. Remotes can be offline, slow, auth-broken or present a foreign certificate,
// PVE nodes can be offline one by one. Plain HTTP on the API port gets PDM's redirect to https
// (sim/tls.ts). This file composes them: the state, the request pipeline (stats and log, the
// answer, the simulated latency, faults) and the listening socket.

export interface SimulatorOptions extends Partial<GenerateOptions> {
  port?: number;
  host?: string;
  /** Extra latency on every API request (ms). */
  latencyMs?: number;
  /** PDM delays 401s by ≥3 s; tests use 0. */
  authFailureDelayMs?: number;
  /** PDM delays a failed permission check's 403 by 0.5 s; tests use 0. */
  forbiddenDelayMs?: number;
  /** The default token (Auditor on /resource, propagated): every remote visible. */
  tokenId?: string;
  tokenSecret?: string;
  /** More tokens, next to the default one. */
  tokens?: SimToken[];
  /** PDM's per-attempt timeout towards a remote (60 s), for slow remotes. */
  remoteTimeoutMs?: number;
  /** After failing this long (PDM: 10 min), a remote's calls fail at once (back-off). */
  backOffAfterMs?: number;
  /** Answer plain HTTP on the API port with PDM's 301/308 redirect to https (default true). */
  httpRedirect?: boolean;
  controlKey?: string;
  /** Start from these remotes instead of generating. */
  initialRemotes?: SimRemote[];
  version?: { version: string; release: string };
}

export interface RequestLogEntry {
  /** Epoch ms. */
  time: number;
  method: string;
  path: string;
  query: string;
  /** The Authorization header with the secret redacted. */
  authorization: string | null;
  contentType: string | null;
  /** 0 while unanswered, or when the connection was dropped. */
  status: number;
}

export interface SimStats {
  requests: number;
  inFlight: number;
  peakInFlight: number;
  /** TLS connections that carried PDM API requests. */
  connections: number;
  byPath: Record<string, number>;
  /** The simulator process's CPU time so far (ms), for benches. */
  cpuMs: number;
  /**
   * How faithfully the configured latency was kept: answers held for it, their total delay past
   * the deadline (ms), and how many left before it (always 0, see clock.ts).
   */
  latency: { answers: number; lateMs: number; early: number };
}

export interface RunningSimulator {
  url: string;
  host: string;
  port: number;
  fingerprint: string;
  tokenId: string;
  tokenSecret: string;
  controlKey: string;
  control: SimControl;
  stats(): SimStats;
  requestLog(): RequestLogEntry[];
  close(): Promise<void>;
}

/** Keeps the scheme and token id, never the secret (whatever the header's form). */
function redact(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^([A-Za-z]+[= ])([^:=\s]*)[:=]/.exec(header);
  if (m) return `${m[1]}${m[2]}:***`;
  const space = header.indexOf(" ");
  return space > 0 ? `${header.slice(0, space)} ***` : "***";
}

export async function startPdmSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const controlKey = opts.controlKey ?? crypto.randomBytes(16).toString("hex");
  let latencyMs = opts.latencyMs ?? 0;
  const state = new SimState(
    opts.tokenId ?? "root@pam!inventory",
    opts.tokenSecret ?? crypto.randomUUID(),
    opts.initialRemotes ??
      generateRemotes({
        remotes: opts.remotes ?? 20,
        pbsShare: opts.pbsShare,
        nodesPerCluster: opts.nodesPerCluster,
        fingerprintShare: opts.fingerprintShare,
        seed: opts.seed,
        prefix: opts.prefix,
      }),
    opts.tokens ?? [],
  );
  const faults = new Faults();
  let log: RequestLogEntry[] = [];
  const stats: SimStats = { requests: 0, inFlight: 0, peakInFlight: 0, connections: 0, byPath: {}, cpuMs: 0, latency: { answers: 0, lateMs: 0, early: 0 } };
  const snapshotStats = (): SimStats => {
    const cpu = process.cpuUsage();
    return { ...stats, byPath: { ...stats.byPath }, latency: { ...stats.latency }, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
  let cert = await makeCertificate("pdm-sim.localdomain");
  const pdm = new PdmRoutes(state, {
    authDelay: opts.authFailureDelayMs ?? 3000,
    forbiddenDelay: opts.forbiddenDelayMs ?? 500,
    remoteTimeoutMs: opts.remoteTimeoutMs ?? 60_000,
    backOffAfterMs: opts.backOffAfterMs ?? 600_000,
    version: opts.version ?? { version: "1.1", release: "7" },
    certificate: () => cert.cert,
  });

  async function rotateCertificate(sparing?: Socket | null): Promise<string> {
    cert = await makeCertificate(`pdm-sim-${crypto.randomBytes(3).toString("hex")}.localdomain`);
    server.setSecureContext({ cert: cert.cert, key: cert.key });
    // Existing keep-alive connections still carry the old certificate: drop them.
    door.dropAll(door.rawSocketOf(sparing));
    return cert.fingerprint;
  }

  const setState: SimControl["setState"] = (id, remoteState) => {
    const r = state.find(id);
    if (r) r.state = remoteState;
    state.failingSince.delete(id);
    return !!r;
  };
  const simControl: SimControl = {
    remotes: () => state.remotes,
    setRemotes: (list) => {
      state.remotes = list;
    },
    addRemote: (r) => {
      state.remotes = [...state.remotes.filter((x) => x.id !== r.id), { ...r, state: r.state ?? { kind: "online" } }];
    },
    addGenerated: (g) => {
      const added = generateRemotes(g).filter((r) => !state.find(r.id));
      state.remotes = [...state.remotes, ...added];
      return added;
    },
    removeRemote: (id) => {
      const before = state.remotes.length;
      state.remotes = state.remotes.filter((r) => r.id !== id);
      return state.remotes.length < before;
    },
    renameRemote: (id, newId) => {
      const r = state.find(id);
      if (!r || state.find(newId)) return false;
      state.remotes = [...state.remotes.filter((x) => x.id !== id), { ...r, id: newId }];
      return true;
    },
    setOffline: (id, reason = DEFAULT_OFFLINE_REASON) => setState(id, { kind: "offline", reason }),
    setOnline: (id) => setState(id, { kind: "online" }),
    setState,
    setNodeOffline: (id, node, offline = true) => {
      const n = state.find(id)?.nodes.find((x) => x.name === node || x.hostname === node);
      if (n) n.offline = offline;
      return !!n;
    },
    setVersion: (id, version) => {
      const r = state.find(id);
      if (r) r.version = version;
      return !!r;
    },
    addFault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    setLatency: (ms) => {
      latencyMs = ms;
    },
    rotateCertificate: () => rotateCertificate(),
    setTokenSecret: (secret) => {
      state.tokenSecret = secret;
      const t = state.findToken(state.tokenId);
      if (t) t.secret = secret;
    },
    tokens: () => state.tokens.map((t) => ({ ...t, acl: t.acl.map((e) => ({ ...e })) })),
    addToken: (t) => {
      const parsed = parseToken(t);
      if (typeof parsed === "string") throw new Error(`addToken: ${parsed}`);
      state.tokens = [...state.tokens.filter((x) => x.tokenid !== parsed.tokenid), parsed];
      if (parsed.tokenid === state.tokenId) state.tokenSecret = parsed.secret;
    },
    updateToken: (id, patch) => {
      const t = state.findToken(id);
      if (!t) return false;
      if (patch.acl !== undefined) {
        const acl = parseAcl(patch.acl);
        if (typeof acl === "string") throw new Error(`updateToken: ${acl}`);
        t.acl = acl;
      }
      if (patch.secret !== undefined) t.secret = patch.secret;
      if (patch.enabled !== undefined) t.enabled = patch.enabled;
      if (patch.expire !== undefined) t.expire = patch.expire;
      if (patch.userEnabled !== undefined) t.userEnabled = patch.userEnabled;
      if (id === state.tokenId) state.tokenSecret = t.secret;
      return true;
    },
    removeToken: (id) => {
      const before = state.tokens.length;
      state.tokens = state.tokens.filter((t) => t.tokenid !== id);
      return state.tokens.length < before;
    },
    resetStats: () => {
      stats.requests = 0;
      stats.peakInFlight = stats.inFlight;
      stats.connections = 0;
      stats.byPath = {};
      stats.latency = { answers: 0, lateMs: 0, early: 0 };
      log = [];
    },
  };
  const control = controlRoutes(
    {
      control: simControl,
      state: () => ({ stats: snapshotStats(), fingerprint: cert.fingerprint, remotes: state.remotes }),
      log: () => log,
      rotateCertificate,
    },
    controlKey,
  );

  const apiSockets = new WeakSet<object>();

  const server = https.createServer({ cert: cert.cert, key: cert.key, keepAliveTimeout: 60_000 }, (req, res) => {
    void (async () => {
      const arrived = performance.now();
      const url = new URL(req.url ?? "/", "https://sim");
      if (url.pathname.startsWith("/__sim/")) return control(req, res, url.pathname);
      stats.requests++;
      // Connections are counted when they carry PDM API traffic (control requests excluded).
      if (req.socket && !apiSockets.has(req.socket)) {
        apiSockets.add(req.socket);
        stats.connections++;
      }
      stats.inFlight++;
      stats.peakInFlight = Math.max(stats.peakInFlight, stats.inFlight);
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        stats.inFlight--;
      };
      // Counted out when the response is handed to the socket (or the client goes away), not at
      // "finish", which can lag behind the client's next request on a busy event loop.
      res.on("close", finish);
      const m = /^\/api2\/([^/]+)(\/.*)?$/.exec(url.pathname);
      const apiPath = (m?.[2] ?? "").replace(/\/+$/, "") || "/";
      stats.byPath[apiPath] = (stats.byPath[apiPath] ?? 0) + 1;
      const entry: RequestLogEntry = {
        time: Date.now(),
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.search,
        authorization: redact(req.headers.authorization),
        contentType: req.headers["content-type"] ?? null,
        status: 0,
      };
      log.push(entry);
      if (log.length > 50_000) log = log.slice(-25_000);
      res.on("close", () => (entry.status = res.headersSent ? res.statusCode : 0));
      try {
        if (!m) return send(res, 404, `Path '${url.pathname}' not found.`);
        if (m[1] !== "json" && m[1] !== "extjs") return send(res, 400, `Unsupported output format '${m[1]}'.`);
        // With a JSON content type on GET, PDM takes parameters from the (empty) body and ignores the query.
        const query = req.method === "GET" && /json/i.test(req.headers["content-type"] ?? "") ? new URLSearchParams() : url.searchParams;
        const raw = await pdm.answer(req, apiPath, query, arrived);
        const answer = m[1] === "extjs" ? extjs(raw) : raw;
        if (latencyMs > 0) {
          await waitUntil(arrived + latencyMs);
          const late = performance.now() - (arrived + latencyMs);
          stats.latency.answers++;
          if (late < 0) stats.latency.early++;
          else stats.latency.lateMs += late;
        }
        const reset = () => {
          const raw = door.rawSocketOf(res.socket);
          if (raw && !raw.destroyed) raw.resetAndDestroy();
          else res.socket?.destroy();
        };
        if (await faults.apply(res, apiPath, answer, reset)) return;
        send(res, answer.status, answer.body, answer.type);
      } catch (err) {
        if (!res.headersSent) send(res, 500, `internal simulator error: ${(err as Error).message}`);
      } finally {
        entry.status = res.headersSent ? res.statusCode : 0;
        finish();
      }
    })();
  });

  const door = new FrontDoor(server, { httpRedirect: opts.httpRedirect ?? true, dropHandshake: () => faults.takeTlsAbort() });
  const { host, port } = await door.listen(opts.port ?? 0, opts.host ?? "127.0.0.1");

  return {
    url: `https://${host}:${port}`,
    host,
    port,
    get fingerprint() {
      return cert.fingerprint;
    },
    tokenId: state.tokenId,
    get tokenSecret() {
      return state.tokenSecret;
    },
    controlKey,
    control: simControl,
    stats: snapshotStats,
    requestLog: () => [...log],
    close: () => door.close(),
  };
}
