import type { LinkSource, PdmRemote, RemoteNode, RemoteStatus, RemoteType } from "@/db/schema";
import { slicer } from "@/lib/util/time-slice";
import type { LinkIndex } from "./linking";

// SPEC §4 step 4 as a pure function: what a sync would change for one endpoint's remotes, given
// what PDM reported. The plan is applied to the database (lib/sync/apply.ts) or, with branching,
// committed to a Git branch.

/** One remote as fetched from PDM (list entry + its version call). */
export interface FetchedRemote {
  name: string;
  type: RemoteType;
  nodes: RemoteNode[];
  authid: string;
  webUrl: string | null;
  /** The version call's answer, or null when it failed (then `error` is set). */
  version: string | null;
  error: string | null;
  /** Why PDM's description of it cannot be stored (lib/sync/validate.ts): the remote is skipped. */
  invalid?: string;
}

/** The sync-owned state of a remote. */
export interface RemoteState {
  name: string;
  remoteType: RemoteType;
  version: string | null;
  nodes: RemoteNode[];
  webUrl: string | null;
  authid: string;
  status: RemoteStatus;
  lastError: string | null;
  linkedProxmoxEndpointId: number | null;
  linkedPbsServerId: number | null;
  linkSource: LinkSource;
}

/** Fields compared to decide whether a remote changed (volatile fields are not among them). */
export const TRACKED_FIELDS = [
  "name",
  "remoteType",
  "version",
  "nodes",
  "webUrl",
  "authid",
  "status",
  "lastError",
  "linkedProxmoxEndpointId",
  "linkedPbsServerId",
  "linkSource",
] as const satisfies readonly (keyof RemoteState)[];

export interface PlannedUpdate {
  id: number;
  before: PdmRemote;
  changes: Partial<RemoteState>;
  renamedFrom: string | null;
  linkCandidates: number[];
}

export interface ReconcilePlan {
  creates: (RemoteState & { linkCandidates: number[] })[];
  updates: PlannedUpdate[];
  deletes: PdmRemote[];
  /** Seen and unchanged: only last_seen_at (and derived link candidates) move. */
  unchanged: { id: number; linkCandidates: number[]; candidatesChanged: boolean }[];
  /** Described invalidly by PDM: left exactly as they are (not created, updated or deleted). */
  skipped: { name: string; reason: string }[];
}

export interface LinkContext {
  pve: LinkIndex;
  pbs: LinkIndex;
  declaredPve: ReadonlySet<number>;
  declaredPbs: ReadonlySet<number>;
}

function fingerprintKey(type: RemoteType, nodes: RemoteNode[]): string | null {
  const fps = [...new Set(nodes.map((n) => n.fingerprint).filter((f): f is string => !!f))].sort();
  return fps.length ? `${type}|${fps.join(",")}` : null;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

function desiredState(f: FetchedRemote, previous: PdmRemote | null, links: LinkContext): RemoteState & { linkCandidates: number[] } {
  const base = {
    name: f.name,
    remoteType: f.type,
    // A remote whose version call fails keeps its previous version and becomes unreachable (SPEC §4 step 3).
    version: f.error ? (previous?.version ?? null) : f.version,
    nodes: f.nodes,
    webUrl: f.webUrl,
    authid: f.authid,
    status: (f.error ? "unreachable" : "ok") as RemoteStatus,
    lastError: f.error,
  };
  // Manual links are never touched by sync (SPEC §3) — unless the type changed under them.
  if (previous && previous.linkSource === "manual" && previous.remoteType === f.type) {
    return {
      ...base,
      linkedProxmoxEndpointId: previous.linkedProxmoxEndpointId,
      linkedPbsServerId: previous.linkedPbsServerId,
      linkSource: "manual",
      linkCandidates: [],
    };
  }
  const index = f.type === "pve" ? links.pve : links.pbs;
  const result = index.resolve(f.nodes, f.type === "pve" ? links.declaredPve : links.declaredPbs);
  const target = result.kind === "linked" ? result.targetId : null;
  return {
    ...base,
    linkedProxmoxEndpointId: f.type === "pve" ? target : null,
    linkedPbsServerId: f.type === "pbs" ? target : null,
    linkSource: target === null ? "none" : "auto",
    linkCandidates: result.kind === "ambiguous" ? result.candidates : [],
  };
}

export function stateOf(r: PdmRemote): RemoteState {
  return {
    name: r.name,
    remoteType: r.remoteType,
    version: r.version,
    nodes: r.nodes,
    webUrl: r.webUrl,
    authid: r.authid,
    status: r.status,
    lastError: r.lastError,
    linkedProxmoxEndpointId: r.linkedProxmoxEndpointId,
    linkedPbsServerId: r.linkedPbsServerId,
    linkSource: r.linkSource,
  };
}

/** Async only to give the event loop turns on big endpoints (see lib/util/time-slice). */
export async function reconcileRemotes(existing: PdmRemote[], fetched: FetchedRemote[], links: LinkContext): Promise<ReconcilePlan> {
  const slice = slicer();
  const plan: ReconcilePlan = { creates: [], updates: [], deletes: [], unchanged: [], skipped: [] };
  const byName = new Map(existing.map((r) => [r.name, r]));
  // A remote PDM still lists, however invalidly, is not gone: its row (if any) stays untouched.
  const fetchedNames = new Set(fetched.map((f) => f.name));
  for (const f of fetched) if (f.invalid) plan.skipped.push({ name: f.name, reason: f.invalid });
  const valid = plan.skipped.length ? fetched.filter((f) => !f.invalid) : fetched;
  const matched: [FetchedRemote, PdmRemote | null][] = valid.map((f) => [f, byName.get(f.name) ?? null]);

  // Renames: PDM has no rename, so a remote that disappears while another with the same node
  // fingerprints appears is the same cluster under a new id (pdm-api.md §7.5 #9).
  const gone = existing.filter((r) => !fetchedNames.has(r.name));
  const goneByKey = new Map<string, PdmRemote[]>();
  for (const r of gone) {
    const key = fingerprintKey(r.remoteType, r.nodes);
    if (key) goneByKey.set(key, [...(goneByKey.get(key) ?? []), r]);
  }
  const renamedIds = new Set<number>();
  for (const pair of matched) {
    if (pair[1]) continue;
    const key = fingerprintKey(pair[0].type, pair[0].nodes);
    const candidates = key ? goneByKey.get(key) : undefined;
    // Only an unambiguous pairing counts as a rename.
    if (candidates && candidates.length === 1 && !renamedIds.has(candidates[0]!.id)) {
      pair[1] = candidates[0]!;
      renamedIds.add(candidates[0]!.id);
    }
  }

  for (const [f, prev] of matched) {
    await slice();
    const desired = desiredState(f, prev, links);
    const { linkCandidates, ...state } = desired;
    if (!prev) {
      plan.creates.push(desired);
      continue;
    }
    const before = stateOf(prev);
    const changes: Partial<RemoteState> = {};
    for (const k of TRACKED_FIELDS) if (!sameValue(before[k], state[k])) (changes as Record<string, unknown>)[k] = state[k];
    if (Object.keys(changes).length) {
      plan.updates.push({ id: prev.id, before: prev, changes, renamedFrom: prev.name !== f.name ? prev.name : null, linkCandidates });
    } else {
      plan.unchanged.push({ id: prev.id, linkCandidates, candidatesChanged: !sameValue(prev.linkCandidates ?? [], linkCandidates) });
    }
  }
  plan.deletes = gone.filter((r) => !renamedIds.has(r.id));
  return plan;
}
