import { pdmRemoteSyncedSchema } from "@/lib/services/pdm-remotes";
import { slicer } from "@/lib/util/time-slice";
import { normalizeHost } from "@/lib/validation/fields";
import { zodToFieldErrors } from "@/lib/validation/zod-errors";
import type { FetchedRemote } from "./reconcile";

// What PDM reports is checked by the API's own field rules before the sync writes it (issue 17):
// names the API would refuse, non-http(s) web URLs (javascript:, data:), bad node hosts or
// fingerprints. Such a remote is marked invalid with the reason, and the reconcile skips it —
// neither created, updated nor deleted — and says so on the run.

/** PDM's per-remote error text is kept, but never longer than the API allows a last_error. */
const MAX_ERROR = 2000;

const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const FINGERPRINT = /^[0-9a-f]{2}(?::[0-9a-f]{2}){31}$/;
const HTTP_URL = /^https?:\/\/\S+$/i;

function isHttpUrl(v: string): boolean {
  try {
    new URL(v);
    return true;
  } catch {
    return false;
  }
}

/**
 * A sufficient condition for the schema to accept a remote, checked without zod: thousands of
 * remotes per sync, nearly all valid. Anything it does not vouch for goes through the schema
 * itself, which alone decides (and gives the reason).
 */
function plainlyValid(r: FetchedRemote): boolean {
  if (typeof r.name !== "string" || r.name.length > 100 || !NAME.test(r.name)) return false;
  if (r.type !== "pve" && r.type !== "pbs") return false;
  if (r.version !== null && (typeof r.version !== "string" || r.version.length > 64)) return false;
  if (typeof r.authid !== "string" || r.authid.length > 255) return false;
  if (r.webUrl !== null && (typeof r.webUrl !== "string" || r.webUrl.length > 500 || !HTTP_URL.test(r.webUrl) || !isHttpUrl(r.webUrl))) return false;
  if (!Array.isArray(r.nodes) || r.nodes.length > 64) return false;
  for (const n of r.nodes) {
    if (!n || Object.keys(n).length !== 3 || typeof n.host !== "string" || normalizeHost(n.host) !== n.host) return false;
    if (n.port !== null && !(Number.isInteger(n.port) && n.port >= 1 && n.port <= 65535)) return false;
    if (n.fingerprint !== null && (typeof n.fingerprint !== "string" || !FINGERPRINT.test(n.fingerprint))) return false;
  }
  return true;
}

export function invalidReason(r: FetchedRemote): string | null {
  if (plainlyValid(r)) return null;
  const parsed = pdmRemoteSyncedSchema.safeParse({ name: r.name, remote_type: r.type, version: r.version, nodes: r.nodes, web_url: r.webUrl, authid: r.authid });
  if (parsed.success) return null;
  return Object.entries(zodToFieldErrors(parsed.error))
    .map(([field, msgs]) => `${field}: ${msgs.join(" ")}`)
    .join("; ");
}

/** Marks each remote PDM describes invalidly (`invalid`: why); returns how many. */
export async function markInvalidRemotes(remotes: FetchedRemote[]): Promise<number> {
  const slice = slicer();
  let invalid = 0;
  for (const r of remotes) {
    if (r.error && r.error.length > MAX_ERROR) r.error = r.error.slice(0, MAX_ERROR);
    const reason = invalidReason(r);
    if (reason) {
      r.invalid = reason.slice(0, 500);
      invalid++;
    }
    await slice();
  }
  return invalid;
}

/** The run's note on the remotes a reconcile skipped, or null when it skipped none. */
export function skippedRemotesNote(skipped: { name: string; reason: string }[]): string | null {
  if (!skipped.length) return null;
  const shown = skipped.slice(0, 5).map((s) => `"${s.name.slice(0, 100)}" (${s.reason})`);
  const more = skipped.length > shown.length ? `, and ${skipped.length - shown.length} more` : "";
  return `${skipped.length} remote${skipped.length === 1 ? "" : "s"} skipped: PDM describes ${skipped.length === 1 ? "it" : "them"} in a way the API would refuse: ${shown.join("; ")}${more}.`;
}
