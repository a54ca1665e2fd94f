import path from "node:path";
import { eq, inArray, sql, type SQL } from "drizzle-orm";
import { idIn, rowMapper, selectAll } from "@/db/bulk";
import { rowsOf, type Executor } from "@/db/client";
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

// Each file's fields, declared once as file field → column: the objects are built from these
// lists and the digests (below) hash exactly these columns, so the two cannot drift apart.
// Besides these, every file has `id`, and an endpoint's file its declared links.

const ENDPOINT_FIELDS = [
  ["name", "name"],
  ["host", "host"],
  ["port", "port"],
  ["token_id", "tokenId"],
  ["fingerprint", "fingerprint"],
  ["verify_ssl", "verifySsl"],
  ["allow_writes", "allowWrites"],
  ["timeout_seconds", "timeoutSeconds"],
  ["enabled", "enabled"],
  ["version", "version"],
  ["site", "siteId"],
  ["tenant", "tenantId"],
  ["description", "description"],
] as const satisfies readonly (readonly [string, keyof PdmEndpoint])[];

const REMOTE_FIELDS = [
  ["pdm_endpoint", "pdmEndpointId"],
  ["name", "name"],
  ["remote_type", "remoteType"],
  ["version", "version"],
  ["nodes", "nodes"],
  ["web_url", "webUrl"],
  ["authid", "authid"],
  ["linked_proxmox_endpoint", "linkedProxmoxEndpointId"],
  ["linked_pbs_server", "linkedPbsServerId"],
  ["link_source", "linkSource"],
  ["description", "description"],
] as const satisfies readonly (readonly [string, keyof PdmRemote])[];

type RemoteField = (typeof REMOTE_FIELDS)[number][0];

/** An endpoint's file: its fields, and the Proxmox endpoints and PBS servers declared for it (sorted ids). */
export function endpointObject(e: PdmEndpoint, pve: number[], pbs: number[]): JsonObject {
  const o: JsonObject = { id: e.id };
  for (const [field, column] of ENDPOINT_FIELDS) o[field] = e[column];
  o.proxmox_endpoints = [...pve].sort((a, b) => a - b);
  o.pbs_servers = [...pbs].sort((a, b) => a - b);
  return o;
}

/** A remote's file (`id` null for one a branch creates). */
export function remoteObject(r: Pick<PdmRemote, (typeof REMOTE_FIELDS)[number][1]> & { id: number | null }): JsonObject {
  const o: JsonObject = { id: r.id };
  for (const [field, column] of REMOTE_FIELDS) o[field] = r[column];
  return o;
}

/** A remote's snapshot fields a sync run reports from PDM; the others are people's (SPEC §5). */
export const SYNC_OWNED_REMOTE_FIELDS = ["name", "remote_type", "version", "nodes", "web_url", "authid"] as const satisfies readonly RemoteField[];
/** The link fields: a sync run's unless a person set the link (`manual`, SPEC §3). */
export const LINK_FIELDS = ["linked_proxmox_endpoint", "linked_pbs_server", "link_source"] as const satisfies readonly RemoteField[];

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
export async function inventoryObjects(db: Executor, paths?: Map<string, string>): Promise<Map<string, JsonObject>> {
  const [endpoints, remotes, decl] = await Promise.all([db.select().from(pdmEndpoints), selectAll(db, pdmRemotes), declared(db)]);
  const names = new Map(endpoints.map((e) => [e.id, e.name]));
  const out = new Map<string, JsonObject>();
  for (const e of endpoints) {
    const at = endpointPath(e.name);
    out.set(at, endpointObject(e, decl.pve.get(e.id) ?? [], decl.pbs.get(e.id) ?? []));
    paths?.set(`e:${e.id}`, at);
  }
  for (const r of remotes) {
    const at = remotePath(names.get(r.pdmEndpointId) ?? `#${r.pdmEndpointId}`, r.name);
    out.set(at, remoteObject(r));
    paths?.set(`r:${r.id}`, at);
  }
  return out;
}

// ---- Incremental snapshots of the database (SPEC §5: the cost of a commit follows the change).
//
// Bringing main up to date must not serialize and hash 10,000 objects when a handful changed (or
// none did). The database computes a digest of each object's snapshot fields; the digests of the
// last snapshot written to main are kept per process, keyed by main's commit. When main is still
// at that commit, only objects whose digest moved are read and written; otherwise (main moved by a
// merge, another process or native git) the whole inventory is compared once more.

/** A remote's digest: of exactly the columns remoteObject writes. */
const remoteDigest = () => sql<string>`md5(row(${sql.join(REMOTE_FIELDS.map(([, column]) => pdmRemotes[column]), sql`, `)})::text)`;

/** An endpoint's digest: of exactly the columns and declared links endpointObject writes. */
const endpointDigest = () => {
  const e = pdmEndpoints;
  return sql<string>`md5(row(${sql.join(ENDPOINT_FIELDS.map(([, column]) => e[column]), sql`, `)},
    (select array_agg(x.proxmox_endpoint_id order by x.proxmox_endpoint_id) from ${pdmEndpointProxmoxEndpoints} x where x.pdm_endpoint_id = ${e.id}),
    (select array_agg(y.pbs_server_id order by y.pbs_server_id) from ${pdmEndpointPbsServers} y where y.pdm_endpoint_id = ${e.id}))::text)`;
};

/**
 * Each remote's digest as of its row version (PostgreSQL's `xmin`, the transaction that wrote the
 * row as it is), per database handle: a row not written since its digest was taken is not hashed
 * again. Any write (a sync's last_seen_at included) gives the row a new xmin, so the memo can only
 * miss, never answer for content it did not hash. Hashing all 10,000 remotes cost the first
 * sync's final commit about 110 ms, though prestaging had just hashed them.
 */
const digestMemo = new WeakMap<object, Map<number, { v: string; d: string }>>();

/** Remotes' digests, by id: hashed in the database where the memo has no digest of this row version. */
async function remoteDigests(db: Executor): Promise<Map<number, { v: string; d: string }>> {
  const r = pdmRemotes;
  // Raw rows: 10,000 of them through drizzle's result mapping cost more than the query itself.
  const hashed = async (where: SQL | null) =>
    rowsOf<{ id: number; v: string; d: string }>(await db.execute(sql`select ${r.id} as id, xmin::text as v, ${remoteDigest()} as d from ${r}${where ? sql` where ${where}` : sql``}`));
  const memo = digestMemo.get(db);
  const next = new Map<number, { v: string; d: string }>();
  if (!memo) {
    for (const x of await hashed(null)) next.set(x.id, x);
  } else {
    const stale: number[] = [];
    for (const x of rowsOf<{ id: number; v: string }>(await db.execute(sql`select ${r.id} as id, xmin::text as v from ${r}`))) {
      const m = memo.get(x.id);
      if (m?.v === x.v) next.set(x.id, m);
      else stale.push(x.id);
    }
    if (stale.length) for (const x of await hashed(idIn(r.id, stale))) next.set(x.id, x);
  }
  digestMemo.set(db, next);
  return next;
}

/** Records digests read with their row versions elsewhere (prestaging reads them with the rows). */
function rememberDigests(db: Executor, rows: { id: number; v: string; d: string }[]): void {
  let memo = digestMemo.get(db);
  if (!memo) digestMemo.set(db, (memo = new Map()));
  for (const x of rows) memo.set(x.id, { v: x.v, d: x.d });
}

/** Digests of exactly the fields remoteObject / endpointObject write, per "r:<id>" / "e:<id>". */
export async function inventoryDigests(db: Executor): Promise<Map<string, string>> {
  const [remotes, endpoints] = await Promise.all([remoteDigests(db), db.select({ id: pdmEndpoints.id, d: endpointDigest() }).from(pdmEndpoints)]);
  const out = new Map<string, string>();
  for (const x of endpoints) out.set(`e:${x.id}`, x.d);
  for (const [id, x] of remotes) out.set(`r:${id}`, x.d);
  return out;
}

export interface InventoryIndex {
  /** The commit on main these digests describe. */
  tip: string;
  digests: Map<string, string>;
  /** Each object's file, by "r:<id>" / "e:<id>". */
  paths: Map<string, string>;
}

/**
 * What main needs to match the database: `full` (compare everything) or the puts and removes of
 * the objects whose digest moved since `index` was taken at main's current tip.
 */
export async function inventoryChanges(
  db: Executor,
  index: InventoryIndex | null,
  tip: string | null,
): Promise<
  { digests: Map<string, string> } & ({ full: Map<string, JsonObject>; paths: Map<string, string> } | { put: Map<string, JsonObject>; putBlobs: Map<string, string>; remove: string[]; paths: Map<string, string> })
> {
  // Digests first, objects second: an edit in between is then seen again next time, never lost.
  const digests = await inventoryDigests(db);
  const full = async () => {
    const paths = new Map<string, string>();
    return { digests, full: await inventoryObjects(db, paths), paths };
  };
  if (!index || index.tip !== tip) return full();
  const moved = [...digests].filter(([k, d]) => index.digests.get(k) !== d).map(([k]) => k);
  const gone = [...index.digests.keys()].filter((k) => !digests.has(k));
  const paths = new Map(index.paths);
  const put = new Map<string, JsonObject>();
  const putBlobs = new Map<string, string>();
  const remove: string[] = [];
  if (!moved.length && !gone.length) return { digests, put, putBlobs, remove, paths };
  const endpoints = await db.select().from(pdmEndpoints);
  // An endpoint renamed moves its remotes' folder: compare everything then (rare). Any other
  // endpoint change (a sync's new version, say) is one file.
  if (endpoints.some((e) => (index.paths.get(`e:${e.id}`) ?? endpointPath(e.name)) !== endpointPath(e.name))) return full();
  const names = new Map(endpoints.map((e) => [e.id, e.name]));
  for (const k of gone) {
    remove.push(paths.get(k)!);
    paths.delete(k);
  }
  const movedEndpoints = new Set(moved.filter((k) => k.startsWith("e:")).map((k) => Number(k.slice(2))));
  if (movedEndpoints.size) {
    const decl = await declared(db, [...movedEndpoints]);
    for (const e of endpoints.filter((x) => movedEndpoints.has(x.id))) {
      const at = endpointPath(e.name);
      paths.set(`e:${e.id}`, at);
      put.set(at, endpointObject(e, decl.pve.get(e.id) ?? [], decl.pbs.get(e.id) ?? []));
    }
  }
  // A remote prestaged as it is now (same digest, its endpoint's name unchanged) goes in by its
  // blob; only the others are read and serialized here.
  const store = await inventoryStore();
  const staged = stagedRemotes();
  const ids: number[] = [];
  for (const k of moved) {
    if (!k.startsWith("r:")) continue;
    const s = staged.get(k);
    if (s && s.digest === digests.get(k) && names.get(s.endpointId) === s.endpointName && store.isPrestaged(s.oid)) {
      const was = paths.get(k);
      if (was && was !== s.path) remove.push(was);
      paths.set(k, s.path);
      putBlobs.set(s.path, s.oid);
    } else ids.push(Number(k.slice(2)));
  }
  if (ids.length) {
    const rows = await selectAll(db, pdmRemotes, idIn(pdmRemotes.id, ids));
    for (const r of rows) {
      const at = remotePath(names.get(r.pdmEndpointId) ?? `#${r.pdmEndpointId}`, r.name);
      const was = paths.get(`r:${r.id}`);
      if (was && was !== at) remove.push(was);
      paths.set(`r:${r.id}`, at);
      put.set(at, remoteObject(r));
    }
  }
  return { digests, put, putBlobs, remove: remove.filter((p) => !put.has(p) && !putBlobs.has(p)), paths };
}

/** One endpoint's object, as it is in the database. */
export async function endpointSnapshot(db: Executor, endpointId: number): Promise<{ path: string; object: JsonObject; name: string } | null> {
  const [e] = await db.select().from(pdmEndpoints).where(eq(pdmEndpoints.id, endpointId));
  if (!e) return null;
  const decl = await declared(db, [endpointId]);
  return { path: endpointPath(e.name), object: endpointObject(e, decl.pve.get(e.id) ?? [], decl.pbs.get(e.id) ?? []), name: e.name };
}

// ---- The repository, one per process, and one writer at a time.

/** A remote whose blob was prestaged: valid while its digest and its endpoint's name are these. */
interface StagedRemote {
  digest: string;
  endpointId: number;
  endpointName: string;
  path: string;
  oid: string;
}

/** More than any inventory holds; a runaway map is simply dropped (it is only a warm-up). */
const STAGED_REMOTES_MAX = 200_000;

const g = globalThis as typeof globalThis & {
  __netboxPdmGit?: { dir: string; store: Promise<GitStore>; index: InventoryIndex | null; staged: Map<string, StagedRemote> };
  __netboxPdmGitLock?: Promise<unknown>;
};

function gitState() {
  const dir = path.join(getEnv().dataDir, "inventory.git");
  if (!g.__netboxPdmGit || g.__netboxPdmGit.dir !== dir) g.__netboxPdmGit = { dir, store: openGitStore(dir), index: null, staged: new Map() };
  return g.__netboxPdmGit;
}

export function inventoryStore(): Promise<GitStore> {
  return gitState().store;
}

/** Remotes prestaged for main's next snapshot, by "r:<id>" (this process, this repository). */
function stagedRemotes(): Map<string, StagedRemote> {
  return gitState().staged;
}

/** The digests of the database as main's tip holds it (this process's last snapshot), if any. */
export function inventoryIndex(): InventoryIndex | null {
  return g.__netboxPdmGit?.index ?? null;
}

export function setInventoryIndex(index: InventoryIndex | null): void {
  if (g.__netboxPdmGit) g.__netboxPdmGit.index = index;
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

/**
 * Warms the next snapshot of main with one endpoint's remotes as the database holds them now
 * (right after a sync reconciled it, while other endpoints are still being fetched): their blobs
 * are serialized, hashed and written here, so the run's final commit only builds trees. A cache
 * warm-up in this process only; whatever changes before that commit is computed again then.
 */
export async function prestageEndpointRemotes(db: Executor, endpointId: number): Promise<number> {
  const [e] = await db.select({ name: pdmEndpoints.name }).from(pdmEndpoints).where(eq(pdmEndpoints.id, endpointId));
  if (!e) return 0;
  // Rows and their digests in one statement: each digest describes exactly the object staged.
  const raw = rowsOf<Record<string, unknown>>(
    await db.execute(sql`select *, ${remoteDigest()} as snapshot_digest, xmin::text as snapshot_xmin from ${pdmRemotes} where ${eq(pdmRemotes.pdmEndpointId, endpointId)}`),
  );
  const toRow = rowMapper(pdmRemotes);
  const rows = raw.map((x) => {
    const row = toRow(x);
    return { row, digest: String(x.snapshot_digest), version: String(x.snapshot_xmin), path: remotePath(e.name, row.name) };
  });
  rememberDigests(db, rows.map((x) => ({ id: x.row.id, v: x.version, d: x.digest })));
  const objects = new Map(rows.map(({ row, path: at }) => [at, remoteObject(row)]));
  return withGitLock(async () => {
    const { written, oids } = await (await inventoryStore()).prestage(objects);
    const staged = stagedRemotes();
    if (staged.size + rows.length > STAGED_REMOTES_MAX) staged.clear();
    for (const { row, digest, path: at } of rows) staged.set(`r:${row.id}`, { digest, endpointId, endpointName: e.name, path: at, oid: oids.get(at)! });
    return written;
  });
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
