import type { RemoteNode } from "@/db/schema";

// SPEC §3: which Proxmox endpoint (pve) or PBS server (pbs) a remote is.

export interface LinkTarget {
  id: number;
  host: string;
  port: number;
  fingerprint: string | null;
}

export type LinkResult = { kind: "linked"; targetId: number } | { kind: "none" } | { kind: "ambiguous"; candidates: number[] };

/** Hosts compare case-insensitively, IPv6 without brackets. */
export function normalizeHostForMatch(host: string): string {
  const h = host.trim().toLowerCase();
  return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
}

/** Targets of one kind, indexed for the many remotes of a sync. */
export class LinkIndex {
  private readonly byFingerprint = new Map<string, LinkTarget[]>();
  private readonly byHost = new Map<string, LinkTarget[]>();

  constructor(
    targets: LinkTarget[],
    private readonly defaultPort: number,
  ) {
    for (const t of targets) {
      if (t.fingerprint) push(this.byFingerprint, t.fingerprint.toLowerCase(), t);
      push(this.byHost, normalizeHostForMatch(t.host), t);
    }
  }

  /** Candidates: fingerprint matches, else host matches with agreeing ports (SPEC §3 step 1). */
  candidates(nodes: RemoteNode[]): number[] {
    const byFp = new Set<number>();
    for (const n of nodes) {
      if (!n.fingerprint) continue;
      for (const t of this.byFingerprint.get(n.fingerprint.toLowerCase()) ?? []) byFp.add(t.id);
    }
    if (byFp.size) return [...byFp].sort((a, b) => a - b);
    const byHost = new Set<number>();
    for (const n of nodes) {
      const port = n.port ?? this.defaultPort;
      for (const t of this.byHost.get(normalizeHostForMatch(n.host)) ?? []) if (t.port === port) byHost.add(t.id);
    }
    return [...byHost].sort((a, b) => a - b);
  }

  /** Steps 2-3: narrow several candidates to the declared ones; exactly one links. */
  resolve(nodes: RemoteNode[], declared: ReadonlySet<number>): LinkResult {
    let candidates = this.candidates(nodes);
    if (candidates.length > 1) {
      const kept = candidates.filter((id) => declared.has(id));
      if (kept.length) candidates = kept;
    }
    if (candidates.length === 1) return { kind: "linked", targetId: candidates[0]! };
    if (candidates.length === 0) return { kind: "none" };
    return { kind: "ambiguous", candidates };
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V) {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
