import crypto from "node:crypto";
import { EventEmitter } from "node:events";
import net from "node:net";
import tls from "node:tls";
import { Pool, buildConnector } from "undici";
import type { RemoteNode, RemoteType } from "@/db/schema";
import { PdmError, isPdmError } from "./errors";
import { createRequestLimiter, type RequestLimiter } from "./limiter";
import { parseNodeString } from "./nodes";
import { describeIssue, remoteSchema, remoteVersionSchema, versionSchema } from "./schemas";
import { slicer } from "@/lib/util/time-slice";
import type { z } from "zod";

// The only code in the app that talks to PDM (house style rule 19). One undici dispatcher per
// endpoint with keep-alive; GET only; `Authorization: PDMAPIToken=<id>:<secret>`; no Content-Type
// on GET (PDM would then ignore the query string, pdm-api.md §1.3).

export interface PdmClientOptions {
  host: string;
  port: number;
  tokenId: string;
  tokenSecret: string;
  /** Pinned SHA-256 certificate fingerprint (lowercase colon hex); when set, verify_ssl is not consulted. */
  fingerprint: string | null;
  verifySsl: boolean;
  timeoutSeconds: number;
  /** Shared across the clients of one sync run. */
  limiter?: RequestLimiter;
  /** Retries for connection failures, timeouts and 502/503/504 (default 1, SPEC §4). */
  retries?: number;
  retryDelayMs?: number;
}

export interface PdmVersionInfo {
  version: string;
  release: string;
  repoid: string | null;
  /** `version` and `release` joined: 1.1 + 7 → 1.1.7 (SPEC §2.1). */
  full: string;
}

export interface PdmRemoteInfo {
  name: string;
  type: RemoteType;
  nodes: RemoteNode[];
  authid: string;
  webUrl: string | null;
}

export type RemoteVersionResult = { ok: true; version: string } | { ok: false; error: string; kind: PdmError["kind"] };

export interface ProbeResult {
  reachable: boolean;
  version: string | null;
  /** What the server presented, whatever the pin says. */
  fingerprint: string | null;
  latencyMs: number | null;
  error: string | null;
  errorKind: PdmError["kind"] | null;
  /** The HTTP status of a failed answer, if the server answered. */
  status: number | null;
}

export interface PdmClient {
  readonly baseUrl: string;
  /** True when neither a pin nor CA verification protects the connection (log a warning). */
  readonly tlsUnverified: boolean;
  version(): Promise<PdmVersionInfo>;
  listRemotes(): Promise<PdmRemoteInfo[]>;
  remoteVersion(id: string): Promise<string>;
  /** Every remote's version, at most limiter.limit in flight; a failing remote fails alone. */
  remoteVersions(ids: string[], onResult?: (id: string, r: RemoteVersionResult) => void): Promise<Map<string, RemoteVersionResult>>;
  probe(): Promise<ProbeResult>;
  close(): Promise<void>;
}

/**
 * A request's deadline as the abort signal undici accepts (an EventEmitter with `aborted` and
 * `reason`): an AbortController per request costs several times more, and a sync makes thousands.
 */
class Deadline extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;
  abort() {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = new DOMException("The request timed out.", "TimeoutError");
    this.emit("abort");
  }
}

export function fingerprintOfDer(der: Buffer): string {
  return crypto.createHash("sha256").update(der).digest("hex").match(/../g)!.join(":");
}

/** A configured pin as lowercase colon hex, whatever its case and colons (SPEC §2.1); null if none. */
function canonicalPin(fp: string | null): string | null {
  if (!fp || !fp.trim()) return null;
  const hex = fp.trim().toLowerCase().replace(/:/g, "");
  // Anything that is not 32 bytes of hex can never match a certificate: keep it as given, so the
  // mismatch message shows the operator what is configured (and nothing connects).
  return /^[0-9a-f]{64}$/.test(hex) ? hex.match(/../g)!.join(":") : fp.trim().toLowerCase();
}

const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "EPROTO",
]);

const TLS_HINTS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: "the certificate is self-signed",
  SELF_SIGNED_CERT_IN_CHAIN: "the certificate chain ends in a self-signed certificate",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the certificate's issuer is not trusted",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the certificate's issuer is not trusted",
  CERT_HAS_EXPIRED: "the certificate has expired",
  CERT_NOT_YET_VALID: "the certificate is not valid yet",
  ERR_TLS_CERT_ALTNAME_INVALID: "the certificate does not name this host",
};

function hostLabel(host: string, port: number): string {
  return `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/** Any transport failure → a PdmError in plain words (and nothing from the request in it). */
function transportError(err: unknown, where: string, timeoutSeconds: number): PdmError {
  if (isPdmError(err)) return err;
  const e = err as { name?: string; code?: string; message?: string; cause?: unknown };
  const cause = e.cause as { code?: string; message?: string } | undefined;
  if (cause && isPdmError(cause)) return cause;
  const code = e.code ?? cause?.code ?? "";
  if (e.name === "TimeoutError" || e.name === "AbortError" || code.includes("TIMEOUT")) {
    return new PdmError("timeout", `timeout: PDM at ${where} did not answer within ${timeoutSeconds} s`);
  }
  if (TLS_CODES.has(code) || /certificate|SSL|TLS/i.test(e.message ?? "") || /certificate|SSL|TLS/i.test(cause?.message ?? "")) {
    const hint = TLS_HINTS[code] ?? "the TLS handshake failed";
    return new PdmError(
      "tls",
      `TLS verification failed for ${where}: ${hint}. Pin the certificate's fingerprint on the endpoint, or (not recommended) turn off verify_ssl.`,
    );
  }
  const what: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ENOTFOUND: "host not found",
    EAI_AGAIN: "host name lookup failed",
    ECONNRESET: "connection reset",
    EPIPE: "connection closed",
    EHOSTUNREACH: "host unreachable",
    ENETUNREACH: "network unreachable",
    UND_ERR_SOCKET: "connection closed unexpectedly",
    UND_ERR_CLOSED: "connection closed",
  };
  return new PdmError("unreachable", `cannot reach PDM at ${where}: ${what[code] ?? (code || "connection failed")}`);
}

/** PDM's error bodies are plain text (with a JSON content type); proxies send HTML. */
function bodyMessage(status: number, text: string): string {
  const trimmed = text.trim();
  if (/^<(!doctype|html)/i.test(trimmed)) {
    const title = /<title>([^<]*)<\/title>/i.exec(trimmed)?.[1]?.trim();
    return title || `${status} from a proxy in front of PDM`;
  }
  return trimmed.replace(/\s+/g, " ").slice(0, 500) || "(empty body)";
}

/** An error body with the token secret (and any PDMAPIToken header value) blanked out: a server may echo the request. */
export function redactSecret(text: string, secret: string): string {
  let out = text.replace(/PDMAPIToken=[^\s"'<>,;]*/gi, "PDMAPIToken=[redacted]");
  if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  return out;
}

function httpError(status: number, text: string, path: string): PdmError {
  const msg = `HTTP ${status}: ${bodyMessage(status, text)}`;
  if (status === 401) return new PdmError("auth", msg, { status, path });
  if (status === 403) return new PdmError("permission", msg, { status, path });
  if (status === 404) return new PdmError("not_found", msg, { status, path });
  if (status === 400 && /^\/remotes\/remote\/[^/]+\/version$/.test(path)) return new PdmError("remote_unreachable", bodyMessage(status, text), { status, path });
  if (status >= 500) return new PdmError("upstream", msg, { status, path });
  return new PdmError("http", msg, { status, path });
}

function malformed(path: string, detail: string): PdmError {
  return new PdmError("malformed", `malformed response from ${path}: ${detail}`, { path });
}

export function createPdmClient(opts: PdmClientOptions): PdmClient {
  const limiter = opts.limiter ?? createRequestLimiter(8);
  const retries = opts.retries ?? 1;
  const retryDelayMs = opts.retryDelayMs ?? 250;
  const timeoutMs = opts.timeoutSeconds * 1000;
  const pin = canonicalPin(opts.fingerprint);
  const where = hostLabel(opts.host, opts.port);
  const baseUrl = `https://${where}/api2/json`;
  const servername = net.isIP(opts.host) ? undefined : opts.host;
  const headers = { authorization: `PDMAPIToken=${opts.tokenId}:${opts.tokenSecret}`, accept: "application/json" };
  const hasSecret = opts.tokenSecret.length >= 4;

  // The pin is checked inside the connector, after the handshake and before undici writes a byte:
  // on a mismatch the request (and so the token) is never sent (SPEC §2.1).
  // No TLS session resumption: a resumed session carries no peer certificate to check the pin on.
  // One TLS context for all of the endpoint's connections: tls.connect would build a new one (the
  // root CA store included) for each, and a sync opens up to `limit` connections per endpoint.
  const secureContext = tls.createSecureContext();
  const baseConnect = buildConnector({ rejectUnauthorized: pin ? false : opts.verifySsl, servername, timeout: timeoutMs, maxCachedSessions: 0, secureContext });
  const connect: buildConnector.connector = (options, callback) =>
    baseConnect(options, (err, socket) => {
      if (err || !socket) return callback(err ?? new Error("no socket"), null);
      if (pin) {
        const raw = (socket as tls.TLSSocket).getPeerCertificate(false).raw as Buffer | undefined;
        const presented = raw ? fingerprintOfDer(raw) : "(no certificate)";
        if (presented !== pin) {
          socket.destroy();
          return callback(new PdmError("tls_mismatch", `TLS fingerprint mismatch: expected ${pin}, presented ${presented}`), null);
        }
      }
      callback(null, socket);
    });
  // One keep-alive pool per endpoint, at most as many sockets as requests may be in flight.
  const dispatcher = new Pool(`https://${where}`, {
    connect,
    connections: limiter.limit,
    keepAliveTimeout: 30_000,
    pipelining: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  async function once(path: string): Promise<unknown> {
    let text: string;
    let status: number;
    // One deadline for the whole request (connect, headers and body): undici's own headers/body
    // timers are coarse (≈0.5 s ticks) and per phase, so a trickling body could outlast them. A
    // plain timer, cleared on the answer: AbortSignal.timeout would keep thousands of pending
    // timers alive for timeout_seconds each and slows a busy fetch by a third.
    const deadline = new Deadline();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    try {
      const res = await dispatcher.request({ path: `/api2/json${path}`, method: "GET", headers, signal: deadline });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw transportError(err, where, opts.timeoutSeconds);
    } finally {
      clearTimeout(timer);
    }
    // Whatever the far side answers, the secret we sent it never goes further (a message, a
    // version string): a server may echo the request back.
    if (hasSecret && text.includes(opts.tokenSecret)) text = text.split(opts.tokenSecret).join("[redacted]");
    if (status >= 400) throw httpError(status, redactSecret(text, opts.tokenSecret), path);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw malformed(path, text.trim() === "" ? "empty body" : "not valid JSON (truncated?)");
    }
    if (json === null || typeof json !== "object" || !("data" in json)) throw malformed(path, "no `data` in the response");
    return (json as { data: unknown }).data;
  }

  async function get(path: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await limiter.run(() => once(path));
      } catch (err) {
        if (!(isPdmError(err) && err.retryable) || attempt >= retries) throw err;
        await new Promise((r) => setTimeout(r, retryDelayMs * 2 ** attempt));
      }
    }
  }

  function parse<T>(schema: z.ZodType<T>, data: unknown, path: string): T {
    const r = schema.safeParse(data);
    if (!r.success) throw malformed(path, describeIssue(r.error));
    return r.data;
  }

  async function remoteVersion(id: string): Promise<string> {
    const path = `/remotes/remote/${encodeURIComponent(id)}/version`;
    return parse(remoteVersionSchema, await get(path), path).version;
  }

  /** The certificate the server presents, read in a handshake of its own that sends no request. */
  function presentedFingerprint(): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: opts.host, port: opts.port, servername, rejectUnauthorized: false });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new PdmError("timeout", `timeout: PDM at ${where} did not answer within ${opts.timeoutSeconds} s`));
      }, timeoutMs);
      socket.once("secureConnect", () => {
        clearTimeout(timer);
        const fp = fingerprintOfDer(socket.getPeerCertificate(true).raw);
        socket.destroy();
        resolve(fp);
      });
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(transportError(err, where, opts.timeoutSeconds));
      });
    });
  }

  return {
    baseUrl,
    tlsUnverified: !pin && !opts.verifySsl,

    async version() {
      const v = parse(versionSchema, await get("/version"), "/version");
      return { version: v.version, release: v.release, repoid: v.repoid ?? null, full: v.release ? `${v.version}.${v.release}` : v.version };
    },

    async listRemotes() {
      const path = "/remotes/remote";
      const data = await get(path);
      // A list whose data is not an array (null included) is malformed, never "zero remotes" (SPEC §4).
      if (!Array.isArray(data)) throw malformed(path, data === null ? "data is null, not a list of remotes" : "data is not a list of remotes");
      // Entry by entry, giving the event loop a turn every few ms: a list of thousands takes tens
      // of ms to check, and other endpoints' requests of the same run are waiting to be read.
      const out: PdmRemoteInfo[] = [];
      const slice = slicer();
      for (let i = 0; i < data.length; i++) {
        const r = remoteSchema.safeParse(data[i]);
        if (!r.success) throw malformed(path, describeIssue(r.error, [i]));
        out.push({ name: r.data.id, type: r.data.type, nodes: r.data.nodes.map(parseNodeString), authid: r.data.authid, webUrl: r.data["web-url"] ?? null });
        await slice();
      }
      return out;
    },

    remoteVersion,

    async remoteVersions(ids, onResult) {
      const out = new Map<string, RemoteVersionResult>();
      // A fixed set of workers pulling from the list keeps `limit` requests in flight without
      // parking thousands of promises on the limiter.
      let next = 0;
      const worker = async () => {
        while (next < ids.length) {
          const id = ids[next++]!;
          let r: RemoteVersionResult;
          try {
            r = { ok: true, version: await remoteVersion(id) };
          } catch (err) {
            const e = isPdmError(err) ? err : transportError(err, where, opts.timeoutSeconds);
            r = { ok: false, error: e.message, kind: e.kind };
          }
          out.set(id, r);
          onResult?.(id, r);
        }
      };
      await Promise.all(Array.from({ length: Math.min(limiter.limit, ids.length) }, worker));
      return out;
    },

    async probe() {
      let fingerprint: string | null = null;
      try {
        fingerprint = await presentedFingerprint();
      } catch (err) {
        const e = transportError(err, where, opts.timeoutSeconds);
        return { reachable: false, version: null, fingerprint: null, latencyMs: null, error: e.message, errorKind: e.kind, status: null };
      }
      const t0 = performance.now();
      try {
        const v = await this.version();
        return { reachable: true, version: v.full, fingerprint, latencyMs: Math.round(performance.now() - t0), error: null, errorKind: null, status: null };
      } catch (err) {
        const e = transportError(err, where, opts.timeoutSeconds);
        const reachable = e.kind !== "unreachable" && e.kind !== "timeout";
        return { reachable, version: null, fingerprint, latencyMs: reachable ? Math.round(performance.now() - t0) : null, error: e.message, errorKind: e.kind, status: e.status ?? null };
      }
    },

    async close() {
      await dispatcher.close();
    },
  };
}
