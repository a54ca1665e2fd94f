import { randomBytes } from "node:crypto";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { getEnv } from "@/env";

// Who is on the other end of a request, for sign-in throttling (issue 17). Next.js does not tell a
// route handler the socket's address, and it keeps any X-Forwarded-For a client sends, so a
// client could claim a new address on every attempt. The server start installs a hook on the
// HTTP server (installClientAddressHook, from instrumentation.ts) that, for each request:
//   - names the client: the socket's address, or — when the socket is a trusted reverse proxy
//     (TRUST_PROXY) — the right-most X-Forwarded-For entry that is not a trusted proxy;
//   - drops X-Forwarded-For/-Host/-Proto/-Port that did not come from a trusted proxy, so neither
//     the API's absolute URLs nor next-auth's idea of the app's URL can be steered by a client.
// The result travels in a header whose name is random per process (a client cannot forge it).

const g = globalThis as typeof globalThis & { __nbpdmClientHeader?: string; __nbpdmClientHook?: boolean };

/** The per-process header carrying the client address the hook determined. */
export function clientAddressHeader(): string {
  return (g.__nbpdmClientHeader ??= `x-netbox-pdm-client-${randomBytes(8).toString("hex")}`);
}

/** `::ffff:10.0.0.1` → `10.0.0.1`; brackets and zone ids off. */
export function normalizeAddress(raw: string | undefined | null): string | null {
  if (!raw) return null;
  let a = raw.trim();
  if (a.startsWith("[") && a.includes("]")) a = a.slice(1, a.indexOf("]"));
  const zone = a.indexOf("%");
  if (zone > 0) a = a.slice(0, zone);
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(a)) a = a.slice(7);
  return net.isIP(a) ? a.toLowerCase() : null;
}

/** TRUST_PROXY: "loopback" (default), "none", or comma-separated addresses and CIDR ranges (mixable with "loopback"). */
export function parseTrustedProxies(spec: string): net.BlockList {
  const list = new net.BlockList();
  for (const raw of spec.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    if (raw === "none") continue;
    if (raw === "loopback") {
      list.addSubnet("127.0.0.0", 8, "ipv4");
      list.addAddress("::1", "ipv6");
      continue;
    }
    const [addr, bits] = raw.split("/");
    const ip = normalizeAddress(addr);
    if (!ip) throw new Error(`TRUST_PROXY: "${raw}" is not an address or CIDR range`);
    const family = net.isIPv6(ip) ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(ip, family);
    else {
      const prefix = Number(bits);
      if (!/^\d{1,3}$/.test(bits) || prefix > (family === "ipv4" ? 32 : 128)) throw new Error(`TRUST_PROXY: "${raw}" has a bad prefix length`);
      list.addSubnet(ip, prefix, family);
    }
  }
  return list;
}

function isTrusted(list: net.BlockList, ip: string): boolean {
  return list.check(ip, net.isIPv6(ip) ? "ipv6" : "ipv4");
}

/** The client behind `peer` (the socket's address), given the X-Forwarded-For it sent. */
export function resolveClientAddress(peer: string | null, forwardedFor: string | undefined, trusted: net.BlockList): string {
  if (!peer) return "unknown";
  if (!isTrusted(trusted, peer)) return peer;
  const hops = (forwardedFor ?? "").split(",").map((s) => normalizeAddress(s)).filter((s): s is string => s !== null);
  // Right to left: the first address a trusted proxy did not add is the client.
  for (let i = hops.length - 1; i >= 0; i--) if (!isTrusted(trusted, hops[i]!)) return hops[i]!;
  return hops[0] ?? peer;
}

const FORWARDED_HEADERS = ["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "forwarded"];

function stamp(req: http.IncomingMessage, trusted: net.BlockList): void {
  const peer = normalizeAddress(req.socket?.remoteAddress);
  const header = req.headers["x-forwarded-for"];
  const xff = Array.isArray(header) ? header.join(",") : header;
  req.headers[clientAddressHeader()] = resolveClientAddress(peer, xff, trusted);
  if (!peer || !isTrusted(trusted, peer)) for (const h of FORWARDED_HEADERS) delete req.headers[h];
}

/** Wraps http(s).Server#emit so every request is stamped before Next.js sees it. Idempotent. */
export function installClientAddressHook(): void {
  if (g.__nbpdmClientHook) return;
  const trusted = parseTrustedProxies(getEnv().TRUST_PROXY);
  for (const proto of [http.Server.prototype, https.Server.prototype] as { emit: (...args: unknown[]) => boolean }[]) {
    const emit = proto.emit;
    proto.emit = function (this: unknown, event: unknown, ...args: unknown[]) {
      if (event === "request" && args[0] instanceof http.IncomingMessage) stamp(args[0], trusted);
      return emit.call(this, event, ...args);
    };
  }
  g.__nbpdmClientHook = true;
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const v = headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}

/**
 * The client address of a request, as the hook determined it. Without the hook (a server started
 * some other way) the last X-Forwarded-For entry, which Next.js fills in from the socket.
 */
export function requestClientAddress(headers: HeaderSource): string {
  const stamped = normalizeAddress(headerValue(headers, clientAddressHeader()));
  if (stamped) return stamped;
  const xff = headerValue(headers, "x-forwarded-for");
  return normalizeAddress(xff?.split(",").pop()) ?? "unknown";
}
