import path from "node:path";
import { eq, inArray } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { pdmEndpointPbsServers, pdmEndpointProxmoxEndpoints, pdmEndpoints, pdmRemotes, type PdmEndpoint, type PdmRemote } from "@/db/schema";
import { getEnv } from "@/env";
import { openGitStore, pathSegment, type GitStore, type JsonObject, type SnapshotResult } from "@/lib/git";

// The inventory as files (SPEC §5): pdm-endpoints/<name>.json and pdm-remotes/<endpoint>/<remote>.json,
// with every field a person or a sync changes — never secrets, never volatile fields
// (last_seen_at, last_error, status, link candidates, timestamps).

export const ENDPOINTS_DIR = "pdm-endpoints";
export const REMOTES_DIR = "pdm-remotes";

export const endpointPath = (name: string) => `${ENDPOINTS_DIR}/${pathSegment(name)}.json`;
export const remotePath = (endpointName: string, remoteName: string) => `${REMOTES_DIR}/${pathSegment(endpointName)}/${pathSegment(remoteName)}.json`;
export const remoteDir = (endpointName: string) => `${REMOTES_DIR}/${pathSegment(endpointName)}/`;

export function endpointObject(e: PdmEndpoint, pve: number[], pbs: number[]): JsonObject {
  return {
    id: e.id,
    name: e.name,
    host: e.host,
    port: e.port,
    token_id: e.tokenId,
    fingerprint: e.fingerprint,
    verify_ssl: e.verifySsl,
    allow_writes: e.allowWrites,
    timeout_seconds: e.timeoutSeconds,
    enabled: e.enabled,
    version: e.version,
    site: e.siteId,
    tenant: e.tenantId,
    proxmox_endpoints: [...pve].sort((a, b) => a - b),
    pbs_servers: [...pbs].sort((a, b) => a - b),
    description: e.description,
  };
}

/** A remote's snapshot fields (`id` null for one a branch creates). */
export function remoteObject(r: Pick<PdmRemote, "pdmEndpointId" | "name" | "remoteType" | "version" | "nodes" | "webUrl" | "authid" | "linkedProxmoxEndpointId" | "linkedPbsServerId" | "linkSource" | "description"> & { id: number | null }): JsonObject {
  return {
    id: r.id,
    pdm_endpoint: r.pdmEndpointId,
    name: r.name,
    remote_type: r.remoteType,
    version: r.version,
    nodes: r.nodes,
    web_url: r.webUrl,
    authid: r.authid,
    linked_proxmox_endpoint: r.linkedProxmoxEndpointId,
    linked_pbs_server: r.linkedPbsServerId,
    link_source: r.linkSource,
    description: r.description,
  };
}

async function declared(db: Executor, endpointIds?: number[]) {
  const [pve, pbs] = await Promise.all([
    db.select().from(pdmEndpointProxmoxEndpoints).where(endpointIds ? inArray(pdmEndpointProxmoxEndpoints.pdmEndpointId, endpointIds) : undefined),
    db.select().from(pdmEndpointPbsServers).where(endpointIds ? inArray(pdmEndpointPbsServers.pdmEndpointId, endpointIds) : undefined),
  ]);
  const group = <T extends { pdmEndpointId: number }>(rows: T[], pick: (r: T) => number) => {
    const m = new Map<number, number[]>();
    for (const r of rows) m.set(r.pdmEndpointId, [...(m.get(r.pdmEndpointId) ?? []), pick(r)]);
    return m;
  };
  return { pve: group(pve, (r) => r.proxmoxEndpointId), pbs: group(pbs, (r) => r.pbsServerId) };
}

/** The whole inventory as it is in the database, as files. */
export async function inventoryObjects(db: Executor): Promise<Map<string, JsonObject>> {
  const [endpoints, remotes, decl] = await Promise.all([db.select().from(pdmEndpoints), db.select().from(pdmRemotes), declared(db)]);
  const names = new Map(endpoints.map((e) => [e.id, e.name]));
  const out = new Map<string, JsonObject>();
  for (const e of endpoints) out.set(endpointPath(e.name), endpointObject(e, decl.pve.get(e.id) ?? [], decl.pbs.get(e.id) ?? []));
  for (const r of remotes) out.set(remotePath(names.get(r.pdmEndpointId) ?? `#${r.pdmEndpointId}`, r.name), remoteObject(r));
  return out;
}

/** One endpoint's object, as it is in the database. */
export async function endpointSnapshot(db: Executor, endpointId: number): Promise<{ path: string; object: JsonObject; name: string } | null> {
  const [e] = await db.select().from(pdmEndpoints).where(eq(pdmEndpoints.id, endpointId));
  if (!e) return null;
  const decl = await declared(db, [endpointId]);
  return { path: endpointPath(e.name), object: endpointObject(e, decl.pve.get(e.id) ?? [], decl.pbs.get(e.id) ?? []), name: e.name };
}

// ---- The repository, one per process, and one writer at a time.

const g = globalThis as typeof globalThis & { __netboxPdmGit?: { dir: string; store: Promise<GitStore> }; __netboxPdmGitLock?: Promise<unknown> };

export function inventoryStore(): Promise<GitStore> {
  const dir = path.join(getEnv().dataDir, "inventory.git");
  if (!g.__netboxPdmGit || g.__netboxPdmGit.dir !== dir) g.__netboxPdmGit = { dir, store: openGitStore(dir) };
  return g.__netboxPdmGit.store;
}

/** Serializes Git writes in this process (runs are serialized already; merges from the UI are not). */
export async function withGitLock<T>(fn: () => Promise<T>): Promise<T> {
  const prev = g.__netboxPdmGitLock ?? Promise.resolve();
  let release!: () => void;
  const next = new Promise<void>((r) => (release = r));
  g.__netboxPdmGitLock = prev.then(() => next);
  await prev.catch(() => {});
  try {
    return await fn();
  } finally {
    release();
  }
}

/** "2 remotes created (a, b), 1 endpoint updated (pdm1)" from a snapshot's changed paths. */
export function describeChanges(r: Pick<SnapshotResult, "added" | "modified" | "removed">): string {
  const part = (paths: string[], verb: string) => {
    if (!paths.length) return [];
    const remotes = paths.filter((p) => p.startsWith(`${REMOTES_DIR}/`));
    const endpoints = paths.filter((p) => p.startsWith(`${ENDPOINTS_DIR}/`));
    const name = (p: string) => decodeURIComponent(p.split("/").pop()!.replace(/\.json$/, ""));
    const list = (ps: string[]) => (ps.length <= 5 ? ` (${ps.map(name).join(", ")})` : "");
    return [
      ...(remotes.length ? [`${remotes.length} remote${remotes.length === 1 ? "" : "s"} ${verb}${list(remotes)}`] : []),
      ...(endpoints.length ? [`${endpoints.length} endpoint${endpoints.length === 1 ? "" : "s"} ${verb}${list(endpoints)}`] : []),
    ];
  };
  return [...part(r.added, "created"), ...part(r.modified, "updated"), ...part(r.removed, "deleted")].join(", ") || "no changes";
}
