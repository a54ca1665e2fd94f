import crypto from "node:crypto";
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import net, { type AddressInfo, type Socket } from "node:net";
import selfsigned from "selfsigned";
import { anyPrivilegeBelow, parseAcl, parseToken, privilegesOn, tokenActive, type SimAclEntry, type SimToken } from "./acl";
import { sleep, waitUntil } from "./clock";
import { fingerprintFor, generateRemotes, nodeString, type GenerateOptions, type RemoteState, type SimNode, type SimRemote } from "./data";

export type { SimAclEntry, SimRole, SimToken } from "./acl";

// A PDM 1.1 over HTTPS that speaks PDM's wire format (pdm-api.md §7): the {"data": …} envelope,
// plain-text error bodies with a JSON content type, PDMAPIToken auth with the 401 delay, the
// remote list with node property strings and a digest, per-remote version calls that fail with
// 400 for offline remotes. A control interface (in-process, and over HTTP under /__sim/) changes
// state between syncs and injects faults; stats count requests, in-flight peaks and connections.
// Tokens carry ACLs (sim/acl.ts): remote lists are filtered by Resource.Audit on /resource/{id},
// missing privileges are PDM's delayed 403. Remotes can be offline, slow, auth-broken or present
// a foreign certificate, PVE nodes can be offline one by one. Plain HTTP on the API port gets
// PDM's redirect to https.

const JSON_TYPE = "application/json;charset=UTF-8";

export type FaultKind =
  | "latency"
  | "http502" // a reverse proxy's 502/503/504 with an HTML body (PDM itself never sends 5xx, pdm-api.md §1.3)
  | "http503"
  | "http504"
  | "reset"
  | "truncate"
  | "null-data"
  | "object-data"
  | "html200"
  | "http401"
  | "http403" // PDM's own "permission check failed" (text body, JSON content type)
  | "hang"
  | "reset-mid-body" // headers and part of the body, then a TCP reset
  | "trickle" // headers at once, the body in chunkBytes pieces spread over latencyMs
  | "tls-abort"; // new connections are dropped (TCP reset) after the ClientHello; no path, counts connections

/**
 * Faults compose: every matching delay (latency, hang) is served in list order, then the first
 * matching answer-changing fault answers instead of the simulator (or, for trickle and
 * reset-mid-body, delivers its answer badly). tls-abort acts on connections, before any path is
 * known; it also hits new connections to /__sim/, so give it `times` when driving the simulator
 * over HTTP.
 */
export interface Fault {
  kind: FaultKind;
  /** Matches the API path after /api2/json (e.g. "^/remotes/remote$"); default: every path. */
  path?: string;
  /** latency/hang: the delay; trickle: how long the whole body takes (default 5000). */
  latencyMs?: number;
  /** trickle: bytes per write (default 16). */
  chunkBytes?: number;
  /** Applies this many times (requests, or connections for tls-abort), then disappears (default: until cleared). */
  times?: number;
}

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

export interface SimControl {
  remotes(): SimRemote[];
  setRemotes(remotes: SimRemote[]): void;
  addRemote(r: SimRemote): void;
  addGenerated(opts: GenerateOptions): SimRemote[];
  removeRemote(id: string): boolean;
  /** PDM has no rename: delete + add under the new id with the same nodes. */
  renameRemote(id: string, newId: string): boolean;
  setOffline(id: string, reason?: string): boolean;
  setOnline(id: string): boolean;
  /** Any state of pdm-api.md §7.4: online, offline, slow, auth_broken, tls_mismatch. */
  setState(id: string, state: RemoteState): boolean;
  /** One PVE node reported offline by its cluster (or back online). */
  setNodeOffline(id: string, node: string, offline?: boolean): boolean;
  setVersion(id: string, version: string): boolean;
  addFault(f: Fault): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  /** Serves a new certificate from now on; returns its fingerprint. */
  rotateCertificate(): Promise<string>;
  /** The default token's secret. */
  setTokenSecret(secret: string): void;
  tokens(): SimToken[];
  /** Adds a token, or replaces the one with the same tokenid. */
  addToken(t: SimToken): void;
  /** Changes a token's secret, enabled, expire, userEnabled or ACL. */
  updateToken(tokenid: string, patch: Partial<Omit<SimToken, "tokenid">>): boolean;
  removeToken(tokenid: string): boolean;
  resetStats(): void;
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

export async function makeCertificate(cn: string): Promise<{ cert: string; key: string; fingerprint: string }> {
  const pems = await selfsigned.generate([{ name: "commonName", value: cn }, { name: "organizationName", value: "Proxmox Datacenter Manager" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notAfterDate: new Date(Date.now() + 10 * 365 * 86400_000),
    extensions: [
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
        ],
      },
    ],
  });
  const der = Buffer.from(pems.cert.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  const fingerprint = crypto.createHash("sha256").update(der).digest("hex").match(/../g)!.join(":");
  return { cert: pems.cert, key: pems.private, fingerprint };
}

/** PDM's CertificateInfo (pdm-api.md §3.6, §3.14) of the certificate currently served. */
export function certificateInfo(pem: string) {
  const x = new crypto.X509Certificate(pem);
  const dn = (s: string) => s.split("\n").map((kv) => kv.replace("=", " = ")).join(", ");
  const key = x.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  const bits = details.modulusLength ?? (details.namedCurve ? { prime256v1: 256, secp384r1: 384, secp521r1: 521 }[details.namedCurve] : undefined);
  return {
    filename: "/etc/proxmox-datacenter-manager/auth/api.pem",
    subject: dn(x.subject),
    san: (x.subjectAltName ?? "").split(", ").filter(Boolean).map((e) => e.replace(/^IP Address:/, "IP: ").replace(/^DNS:/, "DNS: ")),
    issuer: dn(x.issuer),
    notbefore: Math.floor(Date.parse(x.validFrom) / 1000),
    notafter: Math.floor(Date.parse(x.validTo) / 1000),
    pem,
    "public-key-type": key.asymmetricKeyType === "rsa" ? "rsaEncryption" : "id-ecPublicKey",
    ...(bits ? { "public-key-bits": bits } : {}),
    fingerprint: x.fingerprint256.toLowerCase(),
  };
}

/**
 * The /api2/extjs formatter (pdm-api.md §1.2): success merges `success` and `status` into the
 * envelope; formatter errors come back as HTTP 200 with `{success:false, status, message, errors}`.
 * Authentication failures (401) never go through the formatter.
 */
function extjs(a: { status: number; body: string; type: string | null }): { status: number; body: string; type: string | null } {
  if (a.status === 401) return a;
  if (a.status < 400) return { status: 200, type: JSON_TYPE, body: JSON.stringify({ ...(JSON.parse(a.body) as object), success: true, status: 200 }) };
  const param = /^parameter verification failed - '([^']+)': (.*)$/.exec(a.body);
  return {
    status: 200,
    type: JSON_TYPE,
    body: JSON.stringify({ success: false, status: a.status, message: a.body, errors: param ? { [param[1]!]: param[2] } : {} }),
  };
}

/** Keeps the scheme and token id, never the secret (whatever the header's form). */
function redact(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^([A-Za-z]+[= ])([^:=\s]*)[:=]/.exec(header);
  if (m) return `${m[1]}${m[2]}:***`;
  const space = header.indexOf(" ");
  return space > 0 ? `${header.slice(0, space)} ***` : "***";
}

function digestOf(remotes: SimRemote[]): string {
  return crypto.createHash("sha256").update(JSON.stringify(remotes.map((r) => [r.id, r.type, r.nodes.map(nodeString)]))).digest("hex");
}

function remoteJson(r: SimRemote) {
  return {
    type: r.type,
    id: r.id,
    nodes: r.nodes.map(nodeString),
    authid: r.authid,
    token: "",
    ...(r.webUrl ? { "web-url": r.webUrl } : {}),
  };
}

/** What PDM's HTTP client reports for a pinned remote presenting another certificate (pdm-api.md §7.5 #5b). */
export const REMOTE_TLS_ERROR =
  "Could not establish a TLS connection. Check whether the fingerprint matches or the certificate is valid. OpenSSL Error: error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed";
/** proxmox-client's text when an attempt passes PDM's per-attempt timeout. */
export const REMOTE_TIMEOUT_ERROR = "failed to perform API request: timed out";
/** proxmox-client's `Error::Api` for the remote's 401 (the text after the status is PVE's/PBS's own). */
export const REMOTE_AUTH_ERROR = "api error (status = 401: authentication failure)";
const DEFAULT_OFFLINE_REASON = "Could not connect: connection refused (os error 111)";

/** A remote node's CertificateInfo as probe-certificate reports it (pdm-api.md §3.6); invented but well-formed. */
function remoteCertificateInfo(r: SimRemote, n: SimNode, fingerprint: string) {
  const host = n.hostname.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
  const pve = r.type === "pve";
  const subject = pve ? `OU = PVE Cluster Node, O = Proxmox Virtual Environment, CN = ${host}` : `O = Proxmox Backup Server, CN = ${host}`;
  return {
    filename: "",
    subject,
    san: ["DNS: localhost", `DNS: ${n.name}`, ...(net.isIP(host) ? [] : [`DNS: ${host}`]), `IP: ${n.ip}`],
    issuer: pve ? `CN = Proxmox Virtual Environment, OU = ${r.id}, O = PVE Cluster Manager CA` : subject,
    notbefore: 1735689600,
    notafter: 2050000000,
    "public-key-type": "rsaEncryption",
    "public-key-bits": 2048,
    fingerprint: fingerprint.toLowerCase(),
  };
}

/** Why a call from PDM to the remote failed: `root` for /resources/* (the root cause), `message` for PDM's 400. */
interface RemoteFailure {
  root: string;
  message: string;
}

export async function startPdmSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const tokenId = opts.tokenId ?? "root@pam!inventory";
  let tokenSecret = opts.tokenSecret ?? crypto.randomUUID();
  const controlKey = opts.controlKey ?? crypto.randomBytes(16).toString("hex");
  let latencyMs = opts.latencyMs ?? 0;
  const authDelay = opts.authFailureDelayMs ?? 3000;
  const forbiddenDelay = opts.forbiddenDelayMs ?? 500;
  const remoteTimeoutMs = opts.remoteTimeoutMs ?? 60_000;
  const backOffAfterMs = opts.backOffAfterMs ?? 600_000;
  const httpRedirect = opts.httpRedirect ?? true;
  const pdmVersion = opts.version ?? { version: "1.1", release: "7" };
  let remotes: SimRemote[] =
    opts.initialRemotes ??
    generateRemotes({
      remotes: opts.remotes ?? 20,
      pbsShare: opts.pbsShare,
      nodesPerCluster: opts.nodesPerCluster,
      fingerprintShare: opts.fingerprintShare,
      seed: opts.seed,
      prefix: opts.prefix,
    });
  // The token table (pdm-api.md §7.2). The default token sees every remote: Auditor on /resource, propagated.
  let tokens: SimToken[] = [
    { tokenid: tokenId, secret: tokenSecret, enabled: true, expire: 0, acl: [{ path: "/resource", role: "Auditor", propagate: true }] },
    ...(opts.tokens ?? [])
      .filter((t) => t.tokenid !== tokenId)
      .map((t) => {
        const parsed = parseToken(t);
        if (typeof parsed === "string") throw new Error(`tokens: ${parsed}`);
        return parsed;
      }),
  ];
  let faults: Fault[] = [];
  let log: RequestLogEntry[] = [];
  /** Since when a remote's calls time out (PDM's back-off starts after backOffAfterMs of failure). */
  const failingSince = new Map<string, number>();
  const stats: SimStats = { requests: 0, inFlight: 0, peakInFlight: 0, connections: 0, byPath: {}, cpuMs: 0, latency: { answers: 0, lateMs: 0, early: 0 } };
  const snapshotStats = (): SimStats => {
    const cpu = process.cpuUsage();
    return { ...stats, byPath: { ...stats.byPath }, latency: { ...stats.latency }, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
  let cert = await makeCertificate("pdm-sim.localdomain");
  const sockets = new Set<Socket>();
  /** The TCP socket under each TLS connection (by the peer's address), for real resets. */
  const rawByPeer = new Map<string, Socket>();
  const peerKey = (s: { remoteAddress?: string; remotePort?: number }) => `${s.remoteAddress}|${s.remotePort}`;
  const apiSockets = new WeakSet<object>();

  // Every remote-version request looks its remote up: by id, in an index of the current list
  // (the list is replaced on every change, never edited in place).
  let index: { of: SimRemote[]; byId: Map<string, SimRemote> } | null = null;
  const find = (id: string): SimRemote | undefined => {
    if (index?.of !== remotes) {
      const byId = new Map<string, SimRemote>();
      for (const r of remotes) if (!byId.has(r.id)) byId.set(r.id, r);
      index = { of: remotes, byId };
    }
    return index.byId.get(id);
  };
  const findToken = (id: string) => tokens.find((t) => t.tokenid === id);

  function headersFor(type: string | null, length: number) {
    return type ? { "Content-Type": type, "Content-Length": length } : { "Content-Length": length };
  }
  function send(res: ServerResponse, status: number, body: string, type: string | null = JSON_TYPE) {
    res.writeHead(status, headersFor(type, Buffer.byteLength(body)));
    res.end(body);
  }
  interface Reply {
    status: number;
    body: string;
    type: string | null;
  }
  const reply = (status: number, body: string, type: string | null = JSON_TYPE): Reply => ({ status, body, type });
  const ok = (_res: ServerResponse, data: unknown, extra: Record<string, unknown> = {}): Reply => reply(200, JSON.stringify({ data, ...extra }));
  /** PDM's formatter errors: the bare message, with a JSON content type (pdm-api.md §1.3). */
  const fail = (_res: ServerResponse, status: number, message: string): Reply => reply(status, message);

  /** The token the request authenticates as, or null (→ 401). */
  function authenticate(req: IncomingMessage): SimToken | null {
    // A ticket cookie takes precedence over the header; we issue no tickets, so it always fails.
    if (/(?:^|;\s*)(?:__Host-)?PDMAuthCookie=/.test(req.headers.cookie ?? "")) return null;
    const h = req.headers.authorization ?? "";
    if (!h.startsWith("PDMAPIToken") || !["=", " "].includes(h.charAt("PDMAPIToken".length))) return null;
    const rest = h.slice("PDMAPIToken".length + 1);
    const i = rest.indexOf(":");
    if (i < 0) return null;
    let secret: string;
    try {
      secret = decodeURIComponent(rest.slice(i + 1));
    } catch {
      return null;
    }
    const token = findToken(rest.slice(0, i));
    return token && tokenActive(token) && token.secret === secret ? token : null;
  }

  /** A remote's state as PDM sees it: a PVE cluster whose every node is down cannot be reached at all. */
  function stateOf(r: SimRemote): RemoteState {
    // Remotes put in over the control interface may come without a state: online.
    const state: RemoteState = r.state ?? { kind: "online" };
    if (state.kind === "online" && r.type === "pve" && r.nodes.length > 0 && r.nodes.every((n) => n.offline)) return { kind: "offline", reason: DEFAULT_OFFLINE_REASON };
    return state;
  }

  /**
   * PDM calling the remote (live endpoints, and /resources/* since the simulator keeps no
   * resource cache): waits as long as the remote's state says, then null or the failure.
   */
  async function contact(r: SimRemote): Promise<RemoteFailure | null> {
    const s = stateOf(r);
    switch (s.kind) {
      case "online":
        return null;
      case "offline":
        return { root: s.reason, message: `connection failed: ${s.reason}` };
      case "auth_broken": {
        const m = s.message ?? REMOTE_AUTH_ERROR;
        return { root: m, message: m };
      }
      case "tls_mismatch":
        return { root: REMOTE_TLS_ERROR, message: `connection failed: ${REMOTE_TLS_ERROR}` };
      case "slow": {
        const ms = Math.max(0, s.seconds * 1000);
        if (ms < remoteTimeoutMs) {
          await sleep(ms);
          return null;
        }
        // Each configured node times out in turn, then the first is tried once more; once the
        // remote has failed for backOffAfterMs, PDM fails at once with the last error.
        const since = failingSince.get(r.id);
        if (since === undefined) failingSince.set(r.id, Date.now());
        else if (Date.now() - since >= backOffAfterMs) return { root: REMOTE_TIMEOUT_ERROR, message: REMOTE_TIMEOUT_ERROR };
        await sleep(remoteTimeoutMs * (r.nodes.length + 1));
        return { root: REMOTE_TIMEOUT_ERROR, message: REMOTE_TIMEOUT_ERROR };
      }
    }
  }

  function pveNodes(r: SimRemote) {
    return r.nodes.map((n: SimNode) =>
      n.offline
        ? { node: n.name, status: "offline" }
        : { node: n.name, status: "online", cpu: 0.05, maxcpu: 32, mem: 4 << 30, maxmem: 64 << 30, uptime: 86400, level: "c", ssl_fingerprint: (n.fingerprint ?? fingerprintFor(n.hostname)).toUpperCase() },
    );
  }

  function resourcesOf(r: SimRemote) {
    return r.type === "pve"
      ? r.nodes.map((n) =>
          n.offline
            ? { type: "pve-node", "cgroup-mode": 2, cpu: 0.0, maxcpu: 32.0, id: `remote/${r.id}/node/${n.name}`, maxmem: 64 << 30, mem: 0, node: n.name, uptime: 0, status: "offline", level: "" }
            : { type: "pve-node", "cgroup-mode": 2, cpu: 0.04, maxcpu: 32.0, id: `remote/${r.id}/node/${n.name}`, maxmem: 64 << 30, mem: 8 << 30, node: n.name, uptime: 86400, status: "online", level: "c" },
        )
      : [
          { type: "pbs-node", cpu: 0.02, maxcpu: 8.0, id: `remote/${r.id}/node/localhost`, mem: 4 << 30, maxmem: 16 << 30, name: "localhost", uptime: 512000 },
          { type: "pbs-datastore", id: `remote/${r.id}/datastore/store1`, maxdisk: 4e12, disk: 1.2e12, name: "store1", usage: 0.3 },
        ];
  }

  async function readBody(req: IncomingMessage): Promise<string | null> {
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > 512 * 1024) return null;
      chunks.push(c);
    }
    return Buffer.concat(chunks).toString();
  }

  // Answers are computed first and written when the simulated latency has elapsed.
  async function api(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, arrived: number): Promise<Reply> {
    if (path === "/ping") return ok(res, "pong");
    const token = authenticate(req);
    if (!token) {
      // Delayed from the request's start (PDM: 3 s).
      await waitUntil(arrived + authDelay);
      // Authentication failures bypass the formatter: text, no content type.
      return reply(401, "authentication failed", null);
    }
    /** The permission check that runs before the handler (so before any 404): delayed (PDM: 0.5 s). */
    const forbidden = async (): Promise<Reply> => {
      await waitUntil(arrived + forbiddenDelay);
      return fail(res, 403, "permission check failed");
    };
    const auditOn = (id: string) => privilegesOn(token.acl, `/resource/${id}`).has("Resource.Audit");
    const seg = path.split("/").filter(Boolean);
    const remoteItem = seg[0] === "remotes" && seg[1] === "remote" && seg.length === 4;
    if (req.method === "POST" && remoteItem && seg[3] === "probe-certificate") return probeCertificate(req, res, decodeURIComponent(seg[2]!), query, token.acl, forbidden);
    if (req.method !== "GET") return fail(res, 404, `Path '/api2/json${path}' not found.`);
    if (path === "/version") return ok(res, { ...pdmVersion, repoid: "e1cd6869fbe448e0d58e6fbc3f0f7a740c0a8dd6" });
    if (path === "/remotes") return ok(res, ["metric-collection", "remote", "tasks", "updates"].map((subdir) => ({ subdir })));
    if (path === "/remotes/remote") {
      // Any privilege on /resource shows them all; otherwise those with any privilege on /resource/{id}.
      const all = privilegesOn(token.acl, "/resource").size > 0;
      const visible = all ? remotes : remotes.filter((r) => privilegesOn(token.acl, `/resource/${r.id}`).size > 0);
      return ok(res, visible.map(remoteJson), { digest: digestOf(remotes) });
    }
    if (seg[0] === "remotes" && seg[1] === "remote" && seg.length === 3)
      return ok(res, ["config", "probe-certificate", "rrddata", "version"].map((subdir) => ({ subdir })));
    if (remoteItem && (seg[3] === "config" || seg[3] === "version")) {
      const id = decodeURIComponent(seg[2]!);
      if (!auditOn(id)) return forbidden();
      const r = find(id);
      if (!r) return fail(res, 404, `no such node '${id}'`);
      if (seg[3] === "config") return ok(res, remoteJson(r));
      const failure = await contact(r);
      if (failure) return fail(res, 400, failure.message);
      return ok(res, r.type === "pve" ? { release: r.release, repoid: "b1f9ab3ec9f2d4b0", version: r.version } : { release: r.release, repoid: "14112946ac5233b2", version: r.version });
    }
    if (path === "/resources/list" || path === "/resources/status") {
      const allowed = path === "/resources/list" ? ["max-age", "resource-type", "search", "view", "_dc"] : ["max-age", "view", "_dc"];
      for (const k of query.keys()) if (!allowed.includes(k)) return fail(res, 400, `parameter verification failed - '${k}': schema does not allow additional properties.`);
      const type = query.get("resource-type");
      if (type && !["storage", "qemu", "lxc", "network", "datastore", "node"].includes(type))
        return fail(res, 400, `parameter verification failed - 'resource-type': value '${type}' is not defined in the enumeration.`);
      // The handler's own check (not the delayed permission check): Audit somewhere below /resource.
      if (!anyPrivilegeBelow(token.acl, "/resource", "Resource.Audit")) return fail(res, 403, "user has no access to resources");
      // PDM fans out to every visible remote in parallel: the slowest sets the latency.
      const visible = remotes.filter((r) => auditOn(r.id));
      const outcomes = await Promise.all(visible.map(async (r) => ({ r, failure: await contact(r) })));
      if (path === "/resources/list")
        return ok(
          res,
          outcomes.map(({ r, failure }) => {
            if (failure) return { remote: r.id, error: failure.root };
            const resources = resourcesOf(r);
            const filtered = type ? resources.filter((x) => x.type.endsWith(type === "datastore" ? "datastore" : type)) : resources;
            return filtered.length ? { remote: r.id, resources: filtered } : { remote: r.id };
          }),
        );
      // Counters over the same numbers /resources/list reports (64 GiB / 8 GiB per online PVE node,
      // 32 CPUs at 4 %; PBS 16 GiB / 4 GiB, 8 CPUs at 2 %, one 4 TB datastore). The simulator has no guests.
      const failed = outcomes.filter((o) => o.failure);
      const up = outcomes.filter((o) => !o.failure).map((o) => o.r);
      const pveUp = up.filter((r) => r.type === "pve");
      const pveNodeCount = pveUp.reduce((n, r) => n + r.nodes.filter((x) => !x.offline).length, 0);
      const pveNodesOffline = pveUp.reduce((n, r) => n + r.nodes.filter((x) => x.offline).length, 0);
      const pbsCount = up.filter((r) => r.type === "pbs").length;
      const mem = (n: number, total: number, used: number) => ({ total: n * total, used: n * used, avail: n * (total - used) });
      const list = outcomes.map(({ r, failure }) => {
        if (failure) return { name: r.id, ty: r.type, messages: [failure.root], status: "Error" };
        const down = r.type === "pve" ? r.nodes.filter((n) => n.offline).map((n) => `Node '${n.name}' is offline`) : [];
        return down.length ? { name: r.id, ty: r.type, messages: down, status: "Warning" } : { name: r.id, ty: r.type, status: "Good" };
      });
      return ok(res, {
        remotes: up.length,
        failed_remotes: failed.length,
        pve_nodes: { online: pveNodeCount, offline: pveNodesOffline, unknown: 0 },
        qemu: { running: 0, stopped: 0, template: 0, unknown: 0 },
        lxc: { running: 0, stopped: 0, template: 0, unknown: 0 },
        storages: { available: 0, unknown: 0 },
        sdn_zones: { available: 0, pending: 0, error: 0, unknown: 0 },
        pbs_nodes: { online: pbsCount, offline: 0, unknown: 0 },
        pbs_datastores: { online: pbsCount, under_maintenance: null },
        pve_cpu_stats: { used: pveNodeCount * 32 * 0.04, max: pveNodeCount * 32.0, allocated: 0.0 },
        pbs_cpu_stats: { used: pbsCount * 8 * 0.02, max: pbsCount * 8.0, allocated: null },
        pve_memory_stats: mem(pveNodeCount, 64 * 2 ** 30, 8 * 2 ** 30),
        pbs_memory_stats: mem(pbsCount, 16 * 2 ** 30, 4 * 2 ** 30),
        pve_storage_stats: { total: 0, used: 0, avail: 0 },
        pbs_storage_stats: mem(pbsCount, 4e12, 1.2e12),
        ...(failed.length ? { failed_remotes_list: failed.map(({ r, failure }) => ({ name: r.id, error: failure!.root, remote_type: r.type })) } : {}),
        ...(list.length ? { "remote-list": list } : {}),
      });
    }
    if ((seg[0] === "pve" || seg[0] === "pbs") && seg[1] === "remotes") {
      // The remote lists default to superuser-only, and a token is never superuser.
      if (seg.length === 2) return forbidden();
      // A directory index (Anybody) that ignores its parameter: 200 for any id.
      if (seg.length === 3) return ok(res, (seg[0] === "pve" ? ["cluster-status", "lxc", "nodes", "qemu", "resources"] : ["datastore", "nodes", "rrddata", "status", "tasks"]).map((subdir) => ({ subdir })));
      const endpoint = seg.length === 4 && (seg[0] === "pve" ? ["nodes", "cluster-status"] : ["status", "datastore"]).includes(seg[3]!);
      if (endpoint) {
        const id = decodeURIComponent(seg[2]!);
        if (!auditOn(id)) return forbidden();
        const r = find(id);
        if (!r) return fail(res, 404, `no such node '${id}'`);
        if (r.type !== seg[0]) return fail(res, 400, `remote "${r.id}" is not a ${seg[0]} remote`);
        const failure = await contact(r);
        if (failure) return fail(res, 400, failure.message);
        if (seg[3] === "nodes") return ok(res, pveNodes(r));
        if (seg[3] === "cluster-status") {
          // PDM talks to the first node that answers: that one is `local`.
          const local = r.nodes.findIndex((n) => !n.offline);
          const online = r.nodes.filter((n) => !n.offline).length;
          const nodes = r.nodes.map((n, i) => ({ id: `node/${n.name}`, ip: n.ip, level: n.offline ? "" : "c", local: i === local, name: n.name, nodeid: i + 1, online: !n.offline, type: "node" }));
          return ok(res, r.nodes.length > 1 ? [{ id: "cluster", name: r.id, nodes: r.nodes.length, quorate: online > r.nodes.length / 2, type: "cluster", version: 7 }, ...nodes] : nodes);
        }
        if (seg[3] === "status")
          return ok(res, {
            memory: { total: 16 << 30, used: 4 << 30, free: 12 << 30 },
            root: { total: 100 << 30, used: 8 << 30, avail: 92 << 30 },
            swap: { total: 8 << 30, used: 0, free: 8 << 30 },
            uptime: 512000,
            loadavg: [0.12, 0.1, 0.09],
            "current-kernel": { sysname: "Linux", release: "6.14.8-2-pve", version: "#1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2", machine: "x86_64" },
            kversion: "Linux 6.14.8-2-pve",
            cpu: 0.02,
            wait: 0.001,
            cpuinfo: { model: "AMD EPYC 7313P 16-Core Processor", sockets: 1, cpus: 8 },
            info: { fingerprint: (r.nodes[0]?.fingerprint ?? fingerprintFor(r.id)).toLowerCase() },
            "boot-info": { mode: "efi", secureboot: false },
          });
        return ok(res, [{ name: "store1", path: "/mnt/datastore/store1", "gc-schedule": "daily" }]);
      }
    }
    if (path === "/nodes/localhost/certificates/info") return ok(res, [certificateInfo(cert.cert)]);
    return fail(res, 404, `Path '/api2/json${path}' not found.`);
  }

  /**
   * POST /remotes/remote/{id}/probe-certificate (pdm-api.md §3.6): connects without the pin, so a
   * tls_mismatch remote shows its new certificate; a CA-trusted node (no pin) is TrustedCertificate.
   */
  async function probeCertificate(req: IncomingMessage, res: ServerResponse, id: string, query: URLSearchParams, acl: SimAclEntry[], forbidden: () => Promise<Reply>): Promise<Reply> {
    if (!privilegesOn(acl, `/resource/${id}`).has("Resource.Audit")) return forbidden();
    const body = await readBody(req);
    if (body === null) return fail(res, 400, "Request body too large");
    const params: Record<string, unknown> = Object.fromEntries(query);
    const type = req.headers["content-type"] ?? "";
    if (body.trim()) {
      if (/^application\/json/i.test(type)) {
        try {
          Object.assign(params, JSON.parse(body) as Record<string, unknown>);
        } catch (err) {
          return fail(res, 400, `failed to parse parameters: ${(err as Error).message}`);
        }
      } else if (/^application\/x-www-form-urlencoded/i.test(type)) Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
      else return fail(res, 400, `unsupported content type Ok("${type}")`);
    }
    for (const k of Object.keys(params)) if (k !== "node" && k !== "_dc") return fail(res, 400, `parameter verification failed - '${k}': schema does not allow additional properties.`);
    if (typeof params.node !== "string") return fail(res, 400, "parameter verification failed - 'node': parameter is missing and it is not optional.");
    const r = find(id);
    if (!r) return fail(res, 404, `no such node '${id}'`);
    const n = r.nodes.find((x) => x.hostname === params.node);
    if (!n) return fail(res, 404, `node "${params.node}" not configured for remote "${id}"`);
    if (n.offline) return fail(res, 400, `connection failed: ${DEFAULT_OFFLINE_REASON}`);
    const s = stateOf(r);
    // Only a TLS handshake: a broken token does not matter, an unreachable or dead remote does.
    if (s.kind === "offline" || s.kind === "slow") {
      const failure = await contact(r);
      if (failure) return fail(res, 400, failure.message);
    }
    const fingerprint = s.kind === "tls_mismatch" ? (s.fingerprint ?? fingerprintFor(`${r.id}/${n.hostname}/rotated`)) : n.fingerprint;
    return ok(res, fingerprint ? { UntrustedCertificate: remoteCertificateInfo(r, n, fingerprint) } : "TrustedCertificate");
  }

  function takeFault(f: Fault) {
    if (f.times !== undefined && --f.times <= 0) faults = faults.filter((x) => x !== f);
  }

  /**
   * Applies the matching faults (see Fault): delays in turn, then the first one that changes the
   * answer. Returns true when a fault answered (or killed) the request.
   */
  async function applyFault(res: ServerResponse, path: string, answer: Reply): Promise<boolean> {
    const matching = faults.filter((x) => x.kind !== "tls-abort" && (!x.path || new RegExp(x.path).test(path)));
    for (const f of matching) {
      // Another request may have used up a `times` fault while this one waited.
      if (!faults.includes(f)) continue;
      takeFault(f);
      switch (f.kind) {
        case "latency":
          await sleep(f.latencyMs ?? 1000);
          continue;
        case "hang":
          await sleep(f.latencyMs ?? 600_000);
          continue;
        case "tls-abort":
          continue;
        case "http502":
        case "http503":
        case "http504": {
          const [status, title] = f.kind === "http502" ? [502, "502 Bad Gateway"] : f.kind === "http503" ? [503, "503 Service Temporarily Unavailable"] : [504, "504 Gateway Time-out"];
          send(res, status, `<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>nginx</center></body></html>`, "text/html");
          return true;
        }
        case "http403":
          send(res, 403, "permission check failed");
          return true;
        case "reset":
          res.socket?.destroy();
          return true;
        case "reset-mid-body": {
          // The full Content-Length is announced, half the body sent, then the TCP connection reset.
          const buf = Buffer.from(answer.body);
          res.writeHead(answer.status, headersFor(answer.type, buf.length));
          res.write(buf.subarray(0, Math.max(1, Math.floor(buf.length / 2))), () => {
            const raw = res.socket ? rawByPeer.get(peerKey(res.socket)) : undefined;
            if (raw && !raw.destroyed) raw.resetAndDestroy();
            else res.socket?.destroy();
          });
          return true;
        }
        case "trickle": {
          const buf = Buffer.from(answer.body);
          res.writeHead(answer.status, headersFor(answer.type, buf.length));
          res.flushHeaders();
          const size = Math.max(1, Math.floor(f.chunkBytes ?? 16));
          const pause = (f.latencyMs ?? 5000) / Math.ceil(buf.length / size);
          for (let i = 0; i < buf.length; i += size) {
            await sleep(pause);
            if (res.destroyed || !res.socket || res.socket.destroyed) return true;
            res.write(buf.subarray(i, i + size));
          }
          res.end();
          return true;
        }
        case "truncate":
          res.writeHead(200, { "Content-Type": JSON_TYPE });
          res.end('{"data":[{"type":"pve","id":"trunc');
          return true;
        case "null-data":
          send(res, 200, '{"data":null}');
          return true;
        case "object-data":
          send(res, 200, '{"data":{"unexpected":true}}');
          return true;
        case "html200":
          send(res, 200, "<html><body>maintenance</body></html>", "text/html");
          return true;
        case "http401":
          send(res, 401, "authentication failed", null);
          return true;
      }
    }
    return false;
  }

  async function controlRoute(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.headers["x-sim-control"] !== controlKey) return send(res, 403, JSON.stringify({ error: "bad control key" }));
    const body = await new Promise<string>((resolve) => {
      let b = "";
      req.on("data", (c: Buffer) => (b += c.toString()));
      req.on("end", () => resolve(b));
    });
    let input: Record<string, unknown> = {};
    try {
      input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    } catch {
      return send(res, 400, JSON.stringify({ error: "bad JSON" }));
    }
    const respond = (v: unknown, status = 200) => send(res, status, JSON.stringify(v), "application/json");
    const seg = path.split("/").filter(Boolean).slice(1);
    const m = req.method;
    if (m === "GET" && seg[0] === "state") return respond({ stats: snapshotStats(), fingerprint: cert.fingerprint, remotes });
    if (m === "GET" && seg[0] === "log") return respond(log);
    if (m === "POST" && seg[0] === "reset-stats") {
      control.resetStats();
      return respond({ ok: true });
    }
    if (m === "POST" && seg[0] === "remotes" && seg.length === 1) {
      if (typeof input.generate === "object" && input.generate) return respond(control.addGenerated(input.generate as GenerateOptions), 201);
      control.addRemote(input as unknown as SimRemote);
      return respond({ ok: true }, 201);
    }
    if (m === "PUT" && seg[0] === "remotes" && seg.length === 1) {
      control.setRemotes(input.remotes as SimRemote[]);
      return respond({ ok: true });
    }
    const id = seg[1] ? decodeURIComponent(seg[1]) : "";
    if (m === "DELETE" && seg[0] === "remotes") return respond({ ok: control.removeRemote(id) });
    if (m === "POST" && seg[0] === "remotes" && seg[2] === "rename") return respond({ ok: control.renameRemote(id, String(input.newId)) });
    if (m === "POST" && seg[0] === "remotes" && seg[2] === "offline") return respond({ ok: control.setOffline(id, input.reason as string | undefined) });
    if (m === "POST" && seg[0] === "remotes" && seg[2] === "online") return respond({ ok: control.setOnline(id) });
    if (m === "POST" && seg[0] === "remotes" && seg[2] === "version") return respond({ ok: control.setVersion(id, String(input.version)) });
    if (m === "POST" && seg[0] === "remotes" && seg[2] === "state") {
      const kind = input.kind;
      const valid =
        kind === "online" ||
        (kind === "offline" && typeof input.reason === "string") ||
        (kind === "slow" && typeof input.seconds === "number" && input.seconds >= 0) ||
        (kind === "auth_broken" && (input.message === undefined || typeof input.message === "string")) ||
        (kind === "tls_mismatch" && (input.fingerprint === undefined || typeof input.fingerprint === "string"));
      if (!valid) return respond({ error: "state: {kind: online} | {kind: offline, reason} | {kind: slow, seconds} | {kind: auth_broken, message?} | {kind: tls_mismatch, fingerprint?}" }, 400);
      return respond({ ok: control.setState(id, input as unknown as RemoteState) });
    }
    // /__sim/remotes/{id}/nodes/{node}/offline|online
    if (m === "POST" && seg[0] === "remotes" && seg[2] === "nodes" && seg[3] && (seg[4] === "offline" || seg[4] === "online"))
      return respond({ ok: control.setNodeOffline(id, decodeURIComponent(seg[3]), seg[4] === "offline") });
    if (m === "POST" && seg[0] === "faults") {
      control.addFault(input as unknown as Fault);
      return respond({ ok: true });
    }
    if (m === "DELETE" && seg[0] === "faults") {
      control.clearFaults();
      return respond({ ok: true });
    }
    if (m === "POST" && seg[0] === "latency") {
      control.setLatency(Number(input.ms ?? 0));
      return respond({ ok: true });
    }
    if (m === "POST" && seg[0] === "rotate-certificate") {
      // Spare the connection carrying this request, or its answer would be lost; close it afterwards.
      res.shouldKeepAlive = false;
      return respond({ fingerprint: await rotateCertificate(req.socket ? rawByPeer.get(peerKey(req.socket)) : undefined) });
    }
    if (m === "POST" && seg[0] === "token") {
      control.setTokenSecret(String(input.secret));
      return respond({ ok: true });
    }
    // The token table: GET/POST /__sim/tokens, PUT (a partial update)/DELETE /__sim/tokens/{tokenid}.
    if (seg[0] === "tokens") {
      if (m === "GET" && seg.length === 1) return respond(control.tokens());
      if (m === "POST" && seg.length === 1) {
        const t = parseToken(input);
        if (typeof t === "string") return respond({ error: t }, 400);
        control.addToken(t);
        return respond({ ok: true }, 201);
      }
      if (m === "DELETE" && seg.length === 2) return respond({ ok: control.removeToken(id) });
      if (m === "PUT" && seg.length === 2) {
        const current = findToken(id);
        if (!current) return respond({ ok: false });
        const t = parseToken({ ...current, ...input, tokenid: id });
        if (typeof t === "string") return respond({ error: t }, 400);
        return respond({ ok: control.updateToken(id, t) });
      }
    }
    return respond({ error: "unknown control route" }, 404);
  }

  const server = https.createServer({ cert: cert.cert, key: cert.key, keepAliveTimeout: 60_000 }, (req, res) => {
    void (async () => {
      const arrived = performance.now();
      const url = new URL(req.url ?? "/", "https://sim");
      if (url.pathname.startsWith("/__sim/")) return controlRoute(req, res, url.pathname);
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
        const raw = await api(req, res, apiPath, query, arrived);
        const answer = m[1] === "extjs" ? extjs(raw) : raw;
        if (latencyMs > 0) {
          await waitUntil(arrived + latencyMs);
          const late = performance.now() - (arrived + latencyMs);
          stats.latency.answers++;
          if (late < 0) stats.latency.early++;
          else stats.latency.lateMs += late;
        }
        if (await applyFault(res, apiPath, answer)) return;
        send(res, answer.status, answer.body, answer.type);
      } catch (err) {
        if (!res.headersSent) send(res, 500, `internal simulator error: ${(err as Error).message}`);
      } finally {
        entry.status = res.headersSent ? res.statusCode : 0;
        finish();
      }
    })();
  });

  /** PDM's answer to plain HTTP on its TLS port: 301 for GET/HEAD, 308 otherwise, to the same URL over https. */
  function redirectPlainHttp(socket: Socket, first: Buffer) {
    let head = first.toString("latin1");
    const answer = () => {
      const [line = "", ...lines] = head.split("\r\n");
      const [method = "GET", target = "/"] = line.split(" ");
      const hostHeader = lines.find((l) => /^host:/i.test(l))?.slice(5).trim();
      const location = `https://${hostHeader || `${net.isIPv6(host) ? `[${host}]` : host}:${port}`}${target.startsWith("/") ? target : "/"}`;
      const status = method === "GET" || method === "HEAD" ? "301 Moved Permanently" : "308 Permanent Redirect";
      socket.end(`HTTP/1.1 ${status}\r\nLocation: ${location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    };
    if (head.includes("\r\n\r\n")) return answer();
    socket.on("data", (c: Buffer) => {
      head += c.toString("latin1");
      if (head.includes("\r\n\r\n") || head.length > 16_384) {
        socket.removeAllListeners("data");
        answer();
      }
    });
    socket.resume();
  }

  // The listening socket: TLS (a handshake record, 0x16) goes to the HTTPS server, anything else
  // gets the redirect. tls-abort faults drop the connection here, right after the ClientHello.
  const front = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    // A connection that never says anything is dropped, as the TLS handshake timeout would (120 s).
    socket.setTimeout(120_000, () => socket.destroy());
    socket.once("data", (first: Buffer) => {
      socket.pause();
      socket.setTimeout(0);
      if (first[0] === 0x16) {
        const abort = faults.find((f) => f.kind === "tls-abort");
        if (abort) {
          takeFault(abort);
          socket.resetAndDestroy();
          return;
        }
        const key = peerKey(socket);
        rawByPeer.set(key, socket);
        socket.once("close", () => rawByPeer.get(key) === socket && rawByPeer.delete(key));
        socket.unshift(first);
        server.emit("connection", socket);
      } else if (httpRedirect) redirectPlainHttp(socket, first);
      else socket.destroy();
    });
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => front.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", resolve));
  const addr = front.address() as AddressInfo;
  const host = opts.host ?? "127.0.0.1";
  const port = addr.port;

  async function rotateCertificate(keep?: Socket): Promise<string> {
    cert = await makeCertificate(`pdm-sim-${crypto.randomBytes(3).toString("hex")}.localdomain`);
    server.setSecureContext({ cert: cert.cert, key: cert.key });
    // Existing keep-alive connections still carry the old certificate: drop them.
    for (const s of sockets) if (s !== keep) s.destroy();
    return cert.fingerprint;
  }

  const setState = (id: string, state: RemoteState) => {
    const r = find(id);
    if (r) r.state = state;
    failingSince.delete(id);
    return !!r;
  };
  const control: SimControl = {
    remotes: () => remotes,
    setRemotes: (list) => {
      remotes = list;
    },
    addRemote: (r) => {
      remotes = [...remotes.filter((x) => x.id !== r.id), { ...r, state: r.state ?? { kind: "online" } }];
    },
    addGenerated: (g) => {
      const added = generateRemotes(g).filter((r) => !find(r.id));
      remotes = [...remotes, ...added];
      return added;
    },
    removeRemote: (id) => {
      const before = remotes.length;
      remotes = remotes.filter((r) => r.id !== id);
      return remotes.length < before;
    },
    renameRemote: (id, newId) => {
      const r = find(id);
      if (!r || find(newId)) return false;
      remotes = [...remotes.filter((x) => x.id !== id), { ...r, id: newId }];
      return true;
    },
    setOffline: (id, reason = DEFAULT_OFFLINE_REASON) => setState(id, { kind: "offline", reason }),
    setOnline: (id) => setState(id, { kind: "online" }),
    setState,
    setNodeOffline: (id, node, offline = true) => {
      const n = find(id)?.nodes.find((x) => x.name === node || x.hostname === node);
      if (n) n.offline = offline;
      return !!n;
    },
    setVersion: (id, version) => {
      const r = find(id);
      if (r) r.version = version;
      return !!r;
    },
    addFault: (f) => {
      faults.push({ ...f });
    },
    clearFaults: () => {
      faults = [];
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    rotateCertificate: () => rotateCertificate(),
    setTokenSecret: (secret) => {
      tokenSecret = secret;
      const t = findToken(tokenId);
      if (t) t.secret = secret;
    },
    tokens: () => tokens.map((t) => ({ ...t, acl: t.acl.map((e) => ({ ...e })) })),
    addToken: (t) => {
      const parsed = parseToken(t);
      if (typeof parsed === "string") throw new Error(`addToken: ${parsed}`);
      tokens = [...tokens.filter((x) => x.tokenid !== parsed.tokenid), parsed];
      if (parsed.tokenid === tokenId) tokenSecret = parsed.secret;
    },
    updateToken: (id, patch) => {
      const t = findToken(id);
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
      if (id === tokenId) tokenSecret = t.secret;
      return true;
    },
    removeToken: (id) => {
      const before = tokens.length;
      tokens = tokens.filter((t) => t.tokenid !== id);
      return tokens.length < before;
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

  return {
    url: `https://${host}:${port}`,
    host,
    port,
    get fingerprint() {
      return cert.fingerprint;
    },
    tokenId,
    get tokenSecret() {
      return tokenSecret;
    },
    controlKey,
    control,
    stats: snapshotStats,
    requestLog: () => [...log],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        front.close(() => resolve());
      }),
  };
}
