import type { RemoteNode } from "@/db/schema";
import { normalizeFingerprint } from "@/lib/validation/fields";

// PDM's `nodes` entries are property strings of NodeUrl (pdm-api.md §4.2):
//   "<hostname>[,fingerprint=<fp>]" or "hostname=<hostname>[,fingerprint=<fp>]"
// where hostname may carry a port ("host:8006", "10.0.0.1:8006", "[2001:db8::1]:8006") and
// values containing , " \ or newlines are double-quoted with backslash escapes.

/** Splits a property string at top-level commas, honouring quoted values. */
export function splitPropertyString(input: string): string[] {
  // Nothing quoted (the usual case): a plain split.
  if (!input.includes('"')) {
    const plain = input.split(",");
    const out: string[] = [];
    for (const p of plain) {
      const t = p.trim();
      if (t !== "") out.push(t);
    }
    return out;
  }
  const parts: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (quoted) {
      if (c === "\\" && i + 1 < input.length) {
        const n = input[++i]!;
        cur += n === "n" ? "\n" : n;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/** "host", "host:port", "[v6]", "[v6]:port", or a bare IPv6 address (no port then). */
export function parseHostPort(hostname: string): { host: string; port: number | null } {
  const h = hostname.trim();
  if (h.startsWith("[")) {
    const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(h);
    if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : null };
  }
  const colon = h.indexOf(":");
  // Exactly one colon: host and port (thousands of these per sync, hence no regex to count them).
  if (colon >= 0 && colon === h.lastIndexOf(":")) {
    const port = h.slice(colon + 1);
    if (/^\d{1,5}$/.test(port)) return { host: h.slice(0, colon), port: Number(port) };
  }
  // Bare IPv6 (several colons, no brackets) cannot carry a port.
  return { host: h, port: null };
}

export function parseNodeString(entry: string): RemoteNode {
  let hostname = "";
  let fingerprint: string | null = null;
  for (const part of splitPropertyString(entry)) {
    const eq = part.indexOf("=");
    const key = eq > 0 ? part.slice(0, eq).trim() : "";
    // A bare IPv6 contains ':' but no '='; "key=value" only when the key is a known property name.
    if (key === "hostname") hostname = part.slice(eq + 1).trim();
    else if (key === "fingerprint") fingerprint = normalizeFingerprint(part.slice(eq + 1).trim()) ?? part.slice(eq + 1).trim().toLowerCase();
    else if (!hostname) hostname = part;
  }
  const { host, port } = parseHostPort(hostname);
  return { host, port, fingerprint };
}
