import crypto from "node:crypto";
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import selfsigned from "selfsigned";
import { fingerprintFor, generateRemotes, nodeString, type GenerateOptions, type SimNode, type SimRemote } from "./data";

// A PDM 1.1 over HTTPS that speaks PDM's wire format (pdm-api.md §7): the {"data": …} envelope,
// plain-text error bodies with a JSON content type, PDMAPIToken auth with the 401 delay, the
// remote list with node property strings and a digest, per-remote version calls that fail with
// 400 for offline remotes. A control interface (in-process, and over HTTP under /__sim/) changes
// state between syncs and injects faults; stats count requests, in-flight peaks and connections.

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
  | "hang";

export interface Fault {
  kind: FaultKind;
  /** Matches the API path after /api2/json (e.g. "^/remotes/remote$"); default: every path. */
  path?: string;
  latencyMs?: number;
  /** Applies this many times, then disappears (default: until cleared). */
  times?: number;
}

export interface SimToken {
  tokenid: string;
  secret: string;
  enabled: boolean;
}

export interface SimulatorOptions extends Partial<GenerateOptions> {
  port?: number;
  host?: string;
  /** Extra latency on every API request (ms). */
  latencyMs?: number;
  /** PDM delays 401s by ≥3 s; tests use 0. */
  authFailureDelayMs?: number;
  tokenId?: string;
  tokenSecret?: string;
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
  setVersion(id: string, version: string): boolean;
  addFault(f: Fault): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  /** Serves a new certificate from now on; returns its fingerprint. */
  rotateCertificate(): Promise<string>;
  setTokenSecret(secret: string): void;
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

async function makeCertificate(cn: string): Promise<{ cert: string; key: string; fingerprint: string }> {
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

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/**
 * Waits until `deadline` (performance.now() ms) precisely: node timers fire up to ~1 ms late
 * (millisecond loop clock), which at 5 ms of simulated latency would be a 20 % error. Sleep most
 * of the way, then yield with setImmediate until the deadline.
 */
async function waitUntil(deadline: number): Promise<void> {
  const coarse = Math.floor(deadline - performance.now()) - 1;
  if (coarse > 0) await sleep(coarse);
  while (performance.now() < deadline) await new Promise<void>((r) => setImmediate(r));
}

export async function startPdmSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const tokenId = opts.tokenId ?? "root@pam!inventory";
  let tokenSecret = opts.tokenSecret ?? crypto.randomUUID();
  const controlKey = opts.controlKey ?? crypto.randomBytes(16).toString("hex");
  let latencyMs = opts.latencyMs ?? 0;
  const authDelay = opts.authFailureDelayMs ?? 3000;
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
  let faults: Fault[] = [];
  let log: RequestLogEntry[] = [];
  const stats: SimStats = { requests: 0, inFlight: 0, peakInFlight: 0, connections: 0, byPath: {}, cpuMs: 0 };
  const snapshotStats = (): SimStats => {
    const cpu = process.cpuUsage();
    return { ...stats, byPath: { ...stats.byPath }, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
  let cert = await makeCertificate("pdm-sim.localdomain");
  const sockets = new Set<Socket>();
  const apiSockets = new WeakSet<object>();

  const find = (id: string) => remotes.find((r) => r.id === id);

  function send(res: ServerResponse, status: number, body: string, type: string | null = JSON_TYPE) {
    res.writeHead(status, type ? { "Content-Type": type, "Content-Length": Buffer.byteLength(body) } : { "Content-Length": Buffer.byteLength(body) });
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

  function authenticate(req: IncomingMessage): boolean {
    // A ticket cookie takes precedence over the header; we issue no tickets, so it always fails.
    if (/(?:^|;\s*)(?:__Host-)?PDMAuthCookie=/.test(req.headers.cookie ?? "")) return false;
    const h = req.headers.authorization ?? "";
    if (!h.startsWith("PDMAPIToken") || !["=", " "].includes(h.charAt("PDMAPIToken".length))) return false;
    const rest = h.slice("PDMAPIToken".length + 1);
    const i = rest.indexOf(":");
    if (i < 0) return false;
    let secret: string;
    try {
      secret = decodeURIComponent(rest.slice(i + 1));
    } catch {
      return false;
    }
    return rest.slice(0, i) === tokenId && secret === tokenSecret;
  }

  function pveNodes(r: SimRemote) {
    return r.nodes.map((n: SimNode) =>
      r.state.kind === "offline"
        ? { node: n.name, status: "offline" }
        : { node: n.name, status: "online", cpu: 0.05, maxcpu: 32, mem: 4 << 30, maxmem: 64 << 30, uptime: 86400, level: "c", ssl_fingerprint: (n.fingerprint ?? fingerprintFor(n.hostname)).toUpperCase() },
    );
  }

  // Answers are computed first and written when the simulated latency has elapsed.
  async function api(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<Reply> {
    if (path === "/ping") return ok(res, "pong");
    if (!authenticate(req)) {
      await sleep(authDelay);
      // Authentication failures bypass the formatter: text, no content type.
      return reply(401, "authentication failed", null);
    }
    if (req.method !== "GET") return fail(res, 404, `Path '/api2/json${path}' not found.`);
    const seg = path.split("/").filter(Boolean);
    if (path === "/version") return ok(res, { ...pdmVersion, repoid: "e1cd6869fbe448e0d58e6fbc3f0f7a740c0a8dd6" });
    if (path === "/remotes") return ok(res, ["metric-collection", "remote", "tasks", "updates"].map((subdir) => ({ subdir })));
    if (path === "/remotes/remote") return ok(res, remotes.map(remoteJson), { digest: digestOf(remotes) });
    if (seg[0] === "remotes" && seg[1] === "remote" && seg.length === 3)
      return ok(res, ["config", "probe-certificate", "rrddata", "version"].map((subdir) => ({ subdir })));
    if (seg[0] === "remotes" && seg[1] === "remote" && seg.length === 4) {
      const r = find(decodeURIComponent(seg[2]!));
      if (!r) return fail(res, 404, `no such node '${decodeURIComponent(seg[2]!)}'`);
      if (seg[3] === "config") return ok(res, remoteJson(r));
      if (seg[3] === "version") {
        if (r.state.kind === "offline") return fail(res, 400, `connection failed: ${r.state.reason}`);
        return ok(res, r.type === "pve" ? { release: r.release, repoid: "b1f9ab3ec9f2d4b0", version: r.version } : { release: r.release, repoid: "14112946ac5233b2", version: r.version });
      }
    }
    if (path === "/resources/list") {
      for (const k of query.keys()) if (!["max-age", "resource-type", "search", "view", "_dc"].includes(k)) return fail(res, 400, `parameter verification failed - '${k}': schema does not allow additional properties.`);
      const type = query.get("resource-type");
      if (type && !["storage", "qemu", "lxc", "network", "datastore", "node"].includes(type))
        return fail(res, 400, `parameter verification failed - 'resource-type': value '${type}' is not defined in the enumeration.`);
      return ok(
        res,
        remotes.map((r) => {
          if (r.state.kind === "offline") return { remote: r.id, error: r.state.reason };
          const resources =
            r.type === "pve"
              ? r.nodes.map((n) => ({ type: "pve-node", "cgroup-mode": 2, cpu: 0.04, maxcpu: 32.0, id: `remote/${r.id}/node/${n.name}`, maxmem: 64 << 30, mem: 8 << 30, node: n.name, uptime: 86400, status: "online", level: "c" }))
              : [
                  { type: "pbs-node", cpu: 0.02, maxcpu: 8.0, id: `remote/${r.id}/node/localhost`, mem: 4 << 30, maxmem: 16 << 30, name: "localhost", uptime: 512000 },
                  { type: "pbs-datastore", id: `remote/${r.id}/datastore/store1`, maxdisk: 4e12, disk: 1.2e12, name: "store1", usage: 0.3 },
                ];
          const filtered = type ? resources.filter((x) => x.type.endsWith(type === "datastore" ? "datastore" : type)) : resources;
          return filtered.length ? { remote: r.id, resources: filtered } : { remote: r.id };
        }),
      );
    }
    if (path === "/resources/status") {
      for (const k of query.keys()) if (!["max-age", "view", "_dc"].includes(k)) return fail(res, 400, `parameter verification failed - '${k}': schema does not allow additional properties.`);
      // Counters over the same numbers /resources/list reports (64 GiB / 8 GiB per PVE node, 32
      // CPUs at 4 %; PBS 16 GiB / 4 GiB, 8 CPUs at 2 %, one 4 TB datastore). The simulator has no guests.
      const failed = remotes.filter((r) => r.state.kind === "offline");
      const up = remotes.filter((r) => r.state.kind !== "offline");
      const pveNodeCount = up.filter((r) => r.type === "pve").reduce((n, r) => n + r.nodes.length, 0);
      const pbsCount = up.filter((r) => r.type === "pbs").length;
      const mem = (n: number, total: number, used: number) => ({ total: n * total, used: n * used, avail: n * (total - used) });
      const list = remotes.map((r) => ({ name: r.id, ty: r.type, ...(r.state.kind === "offline" ? { messages: [r.state.reason] } : {}), status: r.state.kind === "offline" ? "Error" : "Good" }));
      return ok(res, {
        remotes: up.length,
        failed_remotes: failed.length,
        pve_nodes: { online: pveNodeCount, offline: 0, unknown: 0 },
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
        ...(failed.length ? { failed_remotes_list: failed.map((r) => ({ name: r.id, error: r.state.kind === "offline" ? r.state.reason : "", remote_type: r.type })) } : {}),
        ...(list.length ? { "remote-list": list } : {}),
      });
    }
    if ((seg[0] === "pve" || seg[0] === "pbs") && seg[1] === "remotes") {
      if (seg.length === 2) return fail(res, 403, "permission check failed");
      const r = find(decodeURIComponent(seg[2]!));
      if (!r) return fail(res, 404, `no such node '${decodeURIComponent(seg[2]!)}'`);
      if (r.type !== seg[0]) return fail(res, 400, `remote "${r.id}" is not a ${seg[0]} remote`);
      if (seg.length === 3) return ok(res, (seg[0] === "pve" ? ["cluster-status", "lxc", "nodes", "qemu", "resources"] : ["datastore", "nodes", "rrddata", "status", "tasks"]).map((subdir) => ({ subdir })));
      if (r.state.kind === "offline") return fail(res, 400, `connection failed: ${r.state.reason}`);
      if (seg[0] === "pve" && seg[3] === "nodes" && seg.length === 4) return ok(res, pveNodes(r));
      if (seg[0] === "pve" && seg[3] === "cluster-status") {
        const nodes = r.nodes.map((n, i) => ({ id: `node/${n.name}`, ip: n.ip, level: "c", local: i === 0, name: n.name, nodeid: i + 1, online: true, type: "node" }));
        return ok(res, r.nodes.length > 1 ? [{ id: "cluster", name: r.id, nodes: r.nodes.length, quorate: true, type: "cluster", version: 7 }, ...nodes] : nodes);
      }
      if (seg[0] === "pbs" && seg[3] === "status")
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
      if (seg[0] === "pbs" && seg[3] === "datastore") return ok(res, [{ name: "store1", path: "/mnt/datastore/store1", "gc-schedule": "daily" }]);
    }
    if (path === "/nodes/localhost/certificates/info") return ok(res, [certificateInfo(cert.cert)]);
    return fail(res, 404, `Path '/api2/json${path}' not found.`);
  }

  /** Applies the first matching fault; returns true when the fault answered (or killed) the request. */
  async function applyFault(res: ServerResponse, path: string): Promise<boolean> {
    const f = faults.find((x) => !x.path || new RegExp(x.path).test(path));
    if (!f) return false;
    if (f.times !== undefined && --f.times <= 0) faults = faults.filter((x) => x !== f);
    switch (f.kind) {
      case "latency":
        await sleep(f.latencyMs ?? 1000);
        return false;
      case "hang":
        await sleep(f.latencyMs ?? 600_000);
        return false;
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
    if (m === "POST" && seg[0] === "rotate-certificate") return respond({ fingerprint: await control.rotateCertificate() });
    if (m === "POST" && seg[0] === "token") {
      control.setTokenSecret(String(input.secret));
      return respond({ ok: true });
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
        const raw = await api(req, res, apiPath, query);
        const answer = m[1] === "extjs" ? extjs(raw) : raw;
        if (latencyMs > 0) await waitUntil(arrived + latencyMs);
        if (await applyFault(res, apiPath)) return;
        send(res, answer.status, answer.body, answer.type);
      } catch (err) {
        if (!res.headersSent) send(res, 500, `internal simulator error: ${(err as Error).message}`);
      } finally {
        entry.status = res.headersSent ? res.statusCode : 0;
        finish();
      }
    })();
  });
  server.on("secureConnection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", resolve));
  const addr = server.address() as AddressInfo;
  const host = opts.host ?? "127.0.0.1";

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
    setOffline: (id, reason = "Could not connect: connection refused (os error 111)") => {
      const r = find(id);
      if (r) r.state = { kind: "offline", reason };
      return !!r;
    },
    setOnline: (id) => {
      const r = find(id);
      if (r) r.state = { kind: "online" };
      return !!r;
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
    rotateCertificate: async () => {
      cert = await makeCertificate(`pdm-sim-${crypto.randomBytes(3).toString("hex")}.localdomain`);
      server.setSecureContext({ cert: cert.cert, key: cert.key });
      // Existing keep-alive connections still carry the old certificate: drop them.
      for (const s of sockets) s.destroy();
      return cert.fingerprint;
    },
    setTokenSecret: (secret) => {
      tokenSecret = secret;
    },
    resetStats: () => {
      stats.requests = 0;
      stats.peakInFlight = stats.inFlight;
      stats.connections = 0;
      stats.byPath = {};
      log = [];
    },
  };

  return {
    url: `https://${host}:${addr.port}`,
    host,
    port: addr.port,
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
        server.close(() => resolve());
      }),
  };
}
