import crypto from "node:crypto";
import type { IncomingMessage } from "node:http";
import net from "node:net";
import { anyPrivilegeBelow, privilegesOn, tokenActive, type SimToken } from "./acl";
import { sleep, waitUntil } from "./clock";
import { fingerprintFor, nodeString, type RemoteState, type SimNode, type SimRemote } from "./data";
import { JSON_TYPE, reply, type Reply } from "./reply";
import type { SimState } from "./state";
import { certificateInfo } from "./tls";

// PDM's API as the simulator answers it (pdm-api.md §7): the {"data": …} envelope, plain-text
// error bodies with a JSON content type, PDMAPIToken auth with the 401 delay, the remote list
// with node property strings and a digest, per-remote calls that fail with 400 for remotes PDM
// cannot reach. Tokens carry ACLs (sim/acl.ts): remote lists are filtered by Resource.Audit on
// /resource/{id}, missing privileges are PDM's delayed 403.

/** What PDM's HTTP client reports for a pinned remote presenting another certificate (pdm-api.md §7.5 #5b). */
export const REMOTE_TLS_ERROR =
  "Could not establish a TLS connection. Check whether the fingerprint matches or the certificate is valid. OpenSSL Error: error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed";
/** proxmox-client's text when an attempt passes PDM's per-attempt timeout. */
export const REMOTE_TIMEOUT_ERROR = "failed to perform API request: timed out";
/** proxmox-client's `Error::Api` for the remote's 401 (the text after the status is PVE's/PBS's own). */
export const REMOTE_AUTH_ERROR = "api error (status = 401: authentication failure)";
export const DEFAULT_OFFLINE_REASON = "Could not connect: connection refused (os error 111)";

export interface PdmRoutesOptions {
  /** PDM delays 401s by ≥3 s from the request's start. */
  authDelay: number;
  /** PDM delays a failed permission check's 403 by 0.5 s. */
  forbiddenDelay: number;
  /** PDM's per-attempt timeout towards a remote (60 s), for slow remotes. */
  remoteTimeoutMs: number;
  /** After failing this long (PDM: 10 min), a remote's calls fail at once (back-off). */
  backOffAfterMs: number;
  version: { version: string; release: string };
  /** The PEM of the certificate served now. */
  certificate: () => string;
}

/**
 * The /api2/extjs formatter (pdm-api.md §1.2): success merges `success` and `status` into the
 * envelope; formatter errors come back as HTTP 200 with `{success:false, status, message, errors}`.
 * Authentication failures (401) never go through the formatter.
 */
export function extjs(a: Reply): Reply {
  if (a.status === 401) return a;
  if (a.status < 400) return { status: 200, type: JSON_TYPE, body: JSON.stringify({ ...(JSON.parse(a.body) as object), success: true, status: 200 }) };
  const param = /^parameter verification failed - '([^']+)': (.*)$/.exec(a.body);
  return {
    status: 200,
    type: JSON_TYPE,
    body: JSON.stringify({ success: false, status: a.status, message: a.body, errors: param ? { [param[1]!]: param[2] } : {} }),
  };
}

const ok = (data: unknown, extra: Record<string, unknown> = {}): Reply => reply(200, JSON.stringify({ data, ...extra }));
/** PDM's formatter errors: the bare message, with a JSON content type (pdm-api.md §1.3). */
const fail = (status: number, message: string): Reply => reply(status, message);
const notFound = (path: string) => fail(404, `Path '/api2/json${path}' not found.`);
const subdirs = (names: string[]) => ok(names.map((subdir) => ({ subdir })));

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

/** Why a call from PDM to the remote failed: `root` for /resources/* (the root cause), `message` for PDM's 400. */
interface RemoteFailure {
  root: string;
  message: string;
}

/** One request, authenticated: its token and the delayed permission check's answer. */
interface Caller {
  token: SimToken;
  /** The permission check that runs before the handler (so before any 404): delayed (PDM: 0.5 s). */
  forbidden: () => Promise<Reply>;
  auditOn: (remoteId: string) => boolean;
}

export class PdmRoutes {
  constructor(
    private readonly state: SimState,
    private readonly opts: PdmRoutesOptions,
  ) {}

  /** The answer to one API request (`path` after /api2/json), computed before the simulated latency. */
  async answer(req: IncomingMessage, path: string, query: URLSearchParams, arrived: number): Promise<Reply> {
    if (path === "/ping") return ok("pong");
    const token = this.authenticate(req);
    if (!token) {
      // Delayed from the request's start (PDM: 3 s).
      await waitUntil(arrived + this.opts.authDelay);
      // Authentication failures bypass the formatter: text, no content type.
      return reply(401, "authentication failed", null);
    }
    const caller: Caller = {
      token,
      forbidden: async () => {
        await waitUntil(arrived + this.opts.forbiddenDelay);
        return fail(403, "permission check failed");
      },
      auditOn: (id) => privilegesOn(token.acl, `/resource/${id}`).has("Resource.Audit"),
    };
    const seg = path.split("/").filter(Boolean);
    const remoteItem = seg[0] === "remotes" && seg[1] === "remote" && seg.length === 4;
    if (req.method === "POST" && remoteItem && seg[3] === "probe-certificate") return this.probeCertificate(req, caller, decodeURIComponent(seg[2]!), query);
    if (req.method !== "GET") return notFound(path);
    if (path === "/version") return ok({ ...this.opts.version, repoid: "e1cd6869fbe448e0d58e6fbc3f0f7a740c0a8dd6" });
    if (path === "/remotes") return subdirs(["metric-collection", "remote", "tasks", "updates"]);
    if (path === "/remotes/remote") {
      // Any privilege on /resource shows them all; otherwise those with any privilege on /resource/{id}.
      const remotes = this.state.remotes;
      const all = privilegesOn(token.acl, "/resource").size > 0;
      const visible = all ? remotes : remotes.filter((r) => privilegesOn(token.acl, `/resource/${r.id}`).size > 0);
      return ok(visible.map(remoteJson), { digest: digestOf(remotes) });
    }
    if (seg[0] === "remotes" && seg[1] === "remote" && seg.length === 3) return subdirs(["config", "probe-certificate", "rrddata", "version"]);
    if (remoteItem && (seg[3] === "config" || seg[3] === "version")) {
      const id = decodeURIComponent(seg[2]!);
      if (!caller.auditOn(id)) return caller.forbidden();
      const r = this.state.find(id);
      if (!r) return fail(404, `no such node '${id}'`);
      if (seg[3] === "config") return ok(remoteJson(r));
      const failure = await this.contact(r);
      if (failure) return fail(400, failure.message);
      return ok(r.type === "pve" ? { release: r.release, repoid: "b1f9ab3ec9f2d4b0", version: r.version } : { release: r.release, repoid: "14112946ac5233b2", version: r.version });
    }
    if (path === "/resources/list" || path === "/resources/status") return this.resources(path, query, caller);
    if ((seg[0] === "pve" || seg[0] === "pbs") && seg[1] === "remotes") {
      const answer = await this.remoteSubtree(seg as ["pve" | "pbs", "remotes", ...string[]], caller);
      if (answer) return answer;
    }
    if (path === "/nodes/localhost/certificates/info") return ok([certificateInfo(this.opts.certificate())]);
    return notFound(path);
  }

  /** The token the request authenticates as, or null (→ 401). */
  private authenticate(req: IncomingMessage): SimToken | null {
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
    const token = this.state.findToken(rest.slice(0, i));
    return token && tokenActive(token) && token.secret === secret ? token : null;
  }

  /** A remote's state as PDM sees it: a PVE cluster whose every node is down cannot be reached at all. */
  private stateOf(r: SimRemote): RemoteState {
    // Remotes put in over the control interface may come without a state: online.
    const state: RemoteState = r.state ?? { kind: "online" };
    if (state.kind === "online" && r.type === "pve" && r.nodes.length > 0 && r.nodes.every((n) => n.offline)) return { kind: "offline", reason: DEFAULT_OFFLINE_REASON };
    return state;
  }

  /**
   * PDM calling the remote (live endpoints, and /resources/* since the simulator keeps no
   * resource cache): waits as long as the remote's state says, then null or the failure.
   */
  private async contact(r: SimRemote): Promise<RemoteFailure | null> {
    const s = this.stateOf(r);
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
        const { remoteTimeoutMs, backOffAfterMs } = this.opts;
        const ms = Math.max(0, s.seconds * 1000);
        if (ms < remoteTimeoutMs) {
          await sleep(ms);
          return null;
        }
        // Each configured node times out in turn, then the first is tried once more; once the
        // remote has failed for backOffAfterMs, PDM fails at once with the last error.
        const since = this.state.failingSince.get(r.id);
        if (since === undefined) this.state.failingSince.set(r.id, Date.now());
        else if (Date.now() - since >= backOffAfterMs) return { root: REMOTE_TIMEOUT_ERROR, message: REMOTE_TIMEOUT_ERROR };
        await sleep(remoteTimeoutMs * (r.nodes.length + 1));
        return { root: REMOTE_TIMEOUT_ERROR, message: REMOTE_TIMEOUT_ERROR };
      }
    }
  }

  /** GET /resources/list and /resources/status: PDM fans out to every visible remote. */
  private async resources(path: string, query: URLSearchParams, caller: Caller): Promise<Reply> {
    const allowed = path === "/resources/list" ? ["max-age", "resource-type", "search", "view", "_dc"] : ["max-age", "view", "_dc"];
    for (const k of query.keys()) if (!allowed.includes(k)) return fail(400, `parameter verification failed - '${k}': schema does not allow additional properties.`);
    const type = query.get("resource-type");
    if (type && !["storage", "qemu", "lxc", "network", "datastore", "node"].includes(type))
      return fail(400, `parameter verification failed - 'resource-type': value '${type}' is not defined in the enumeration.`);
    // The handler's own check (not the delayed permission check): Audit somewhere below /resource.
    if (!anyPrivilegeBelow(caller.token.acl, "/resource", "Resource.Audit")) return fail(403, "user has no access to resources");
    // In parallel: the slowest remote sets the latency.
    const visible = this.state.remotes.filter((r) => caller.auditOn(r.id));
    const outcomes = await Promise.all(visible.map(async (r) => ({ r, failure: await this.contact(r) })));
    if (path === "/resources/list")
      return ok(
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
    return ok({
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

  /** /pve/remotes/… and /pbs/remotes/…: a remote's live endpoints; null for a path that is none of them. */
  private async remoteSubtree(seg: ["pve" | "pbs", "remotes", ...string[]], caller: Caller): Promise<Reply | null> {
    const [kind] = seg;
    // The remote lists default to superuser-only, and a token is never superuser.
    if (seg.length === 2) return caller.forbidden();
    // A directory index (Anybody) that ignores its parameter: 200 for any id.
    if (seg.length === 3) return subdirs(kind === "pve" ? ["cluster-status", "lxc", "nodes", "qemu", "resources"] : ["datastore", "nodes", "rrddata", "status", "tasks"]);
    const endpoint = seg.length === 4 && (kind === "pve" ? ["nodes", "cluster-status"] : ["status", "datastore"]).includes(seg[3]!);
    if (!endpoint) return null;
    const id = decodeURIComponent(seg[2]!);
    if (!caller.auditOn(id)) return caller.forbidden();
    const r = this.state.find(id);
    if (!r) return fail(404, `no such node '${id}'`);
    if (r.type !== kind) return fail(400, `remote "${r.id}" is not a ${kind} remote`);
    const failure = await this.contact(r);
    if (failure) return fail(400, failure.message);
    if (seg[3] === "nodes") return ok(pveNodes(r));
    if (seg[3] === "cluster-status") {
      // PDM talks to the first node that answers: that one is `local`.
      const local = r.nodes.findIndex((n) => !n.offline);
      const online = r.nodes.filter((n) => !n.offline).length;
      const nodes = r.nodes.map((n, i) => ({ id: `node/${n.name}`, ip: n.ip, level: n.offline ? "" : "c", local: i === local, name: n.name, nodeid: i + 1, online: !n.offline, type: "node" }));
      return ok(r.nodes.length > 1 ? [{ id: "cluster", name: r.id, nodes: r.nodes.length, quorate: online > r.nodes.length / 2, type: "cluster", version: 7 }, ...nodes] : nodes);
    }
    if (seg[3] === "status")
      return ok({
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
    return ok([{ name: "store1", path: "/mnt/datastore/store1", "gc-schedule": "daily" }]);
  }

  /**
   * POST /remotes/remote/{id}/probe-certificate (pdm-api.md §3.6): connects without the pin, so a
   * tls_mismatch remote shows its new certificate; a CA-trusted node (no pin) is TrustedCertificate.
   */
  private async probeCertificate(req: IncomingMessage, caller: Caller, id: string, query: URLSearchParams): Promise<Reply> {
    if (!caller.auditOn(id)) return caller.forbidden();
    const body = await readBody(req);
    if (body === null) return fail(400, "Request body too large");
    const params: Record<string, unknown> = Object.fromEntries(query);
    const type = req.headers["content-type"] ?? "";
    if (body.trim()) {
      if (/^application\/json/i.test(type)) {
        try {
          Object.assign(params, JSON.parse(body) as Record<string, unknown>);
        } catch (err) {
          return fail(400, `failed to parse parameters: ${(err as Error).message}`);
        }
      } else if (/^application\/x-www-form-urlencoded/i.test(type)) Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
      else return fail(400, `unsupported content type Ok("${type}")`);
    }
    for (const k of Object.keys(params)) if (k !== "node" && k !== "_dc") return fail(400, `parameter verification failed - '${k}': schema does not allow additional properties.`);
    if (typeof params.node !== "string") return fail(400, "parameter verification failed - 'node': parameter is missing and it is not optional.");
    const r = this.state.find(id);
    if (!r) return fail(404, `no such node '${id}'`);
    const n = r.nodes.find((x) => x.hostname === params.node);
    if (!n) return fail(404, `node "${params.node}" not configured for remote "${id}"`);
    if (n.offline) return fail(400, `connection failed: ${DEFAULT_OFFLINE_REASON}`);
    const s = this.stateOf(r);
    // Only a TLS handshake: a broken token does not matter, an unreachable or dead remote does.
    if (s.kind === "offline" || s.kind === "slow") {
      const failure = await this.contact(r);
      if (failure) return fail(400, failure.message);
    }
    const fingerprint = s.kind === "tls_mismatch" ? (s.fingerprint ?? fingerprintFor(`${r.id}/${n.hostname}/rotated`)) : n.fingerprint;
    return ok(fingerprint ? { UntrustedCertificate: remoteCertificateInfo(r, n, fingerprint) } : "TrustedCertificate");
  }
}
