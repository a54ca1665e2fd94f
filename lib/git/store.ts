import fs from "node:fs";
import git from "isomorphic-git";
import { CommitHistory, type HistoryEntry, type LogEntry } from "./history";
import { BlobMemo, ObjectDb, PrestagedBlobs, SLICE, yieldLoop } from "./object-db";
import { objectOid, serializeObject, type JsonObject } from "./objects";
import { Refs } from "./refs";
import { TreeEdit } from "./tree-edit";
import { Trees } from "./trees";

// The Git-backed snapshot store (SPEC §5): a bare repository whose `main` is the inventory's
// history, one pretty JSON file per object. lib/git is the only code that imports isomorphic-git.
// Snapshots are incremental: an object is hashed only when its JSON changed since the store last
// saw it (BlobMemo), only new blobs are compressed and written, and only the folders on changed
// paths are read and rehashed (TreeEdit); unchanged folders keep their tree oids. The hot paths —
// loose objects (ObjectDb), loose refs (Refs), commit objects (rendered as isomorphic-git renders
// them, below) — are plain files read and written here; everything else (packed refs, deltas,
// logs, ancestry) goes through isomorphic-git.
//
// The store's state is its parts': ObjectDb (isomorphic-git's cache, the pack reader), Trees
// (parsed trees and folder listings, bounded by entries), BlobMemo (each path's last object) and
// PrestagedBlobs (blobs written ahead of a snapshot, for a while). Trees and blobs are immutable by
// oid, so none of them needs invalidating; the two memos are bounded and only ever miss.

export interface Author {
  name: string;
  email: string;
}

export const DEFAULT_AUTHOR: Author = { name: "netbox-pdm", email: "netbox-pdm@localhost" };

export interface SnapshotResult {
  oid: string;
  changed: boolean;
  blobsWritten: number;
  treesWritten: number;
  /** Paths the commit added, modified and removed (for its message). */
  added: string[];
  modified: string[];
  removed: string[];
}

/** Paths whose last object is remembered (its plain JSON and blob oid): a few MB per 10,000. */
const BLOB_MEMO_PATHS = 50_000;

/** A tree's files in memory (path → blob oid), with the objects of those blobs not in the repository. */
export interface SnapshotPreview {
  files: Map<string, string>;
  objects: Map<string, JsonObject>;
}

/** What a snapshot changes: `ref`'s tree made exactly `objects` (full), or puts/removes applied to it (partial). */
interface SnapshotChanges {
  ref: string;
  objects?: Map<string, JsonObject>;
  put?: Map<string, JsonObject>;
  /** Files put by blob oid: blobs this store prestaged (see isPrestaged), not serialized again. */
  putBlobs?: Map<string, string>;
  remove?: string[];
}

export interface GitStore {
  readonly dir: string;
  resolve(refOrOid: string): Promise<string | null>;
  /** Commits the changes to `ref`. */
  writeSnapshot(
    opts: SnapshotChanges & {
      /** The commit message, or a function of what changed. */
      message: string | ((changes: { added: string[]; modified: string[]; removed: string[] }) => string);
      author?: Author;
      /** Extra parents (a merge commit). */
      parents?: string[];
      /** Build the commit without moving the ref (two-phase merges). */
      detached?: boolean;
    },
  ): Promise<SnapshotResult>;
  /** The files `ref` would hold after writeSnapshot of these changes, computed in memory: nothing is written. */
  previewSnapshot(changes: SnapshotChanges): Promise<SnapshotPreview>;
  createBranch(name: string, from: string): Promise<string>;
  deleteBranch(name: string): Promise<void>;
  listBranches(): Promise<string[]>;
  /**
   * Serializes, hashes and writes the blobs of objects a coming snapshot will hold, so that
   * snapshot only builds trees (a cache warm-up: an object that changes before it is simply
   * computed again). Returns how many blobs were written and every path's blob oid.
   */
  prestage(objects: Map<string, JsonObject>): Promise<{ written: number; oids: Map<string, string> }>;
  /** Whether a blob is one this store prestaged recently (and so may be put by oid). */
  isPrestaged(oid: string): boolean;
  /** Paths → blob oids of a commit (subtrees equal between commits can be skipped by callers). */
  listFiles(refOrOid: string): Promise<Map<string, string>>;
  readBlobs(oids: string[]): Promise<Map<string, JsonObject>>;
  readObject(refOrOid: string, path: string): Promise<JsonObject | null>;
  readSnapshot(refOrOid: string): Promise<Map<string, JsonObject>>;
  /** Compare-and-swap a branch ref. */
  advanceRef(ref: string, newOid: string, expectedOld: string | null): Promise<void>;
  isAncestor(oid: string, ofRef: string): Promise<boolean>;
  log(ref: string, limit?: number): Promise<LogEntry[]>;
  /**
   * One object's history on `ref` (first parent), newest first: the commits that created,
   * changed, renamed or deleted it. The object is followed across renames and moves (a file
   * that appears where another with the same `id` disappeared, in the same top-level folder),
   * and the walk stops at its creation.
   */
  history(path: string, opts?: { ref?: string; limit?: number }): Promise<HistoryEntry[]>;
}

/**
 * A commit object's content, byte for byte as isomorphic-git's writeCommit renders it (UTC
 * times): headers, a blank line, the message without CRs or leading newlines, one final newline.
 */
function commitContent(c: { tree: string; parents: string[]; author: Author & { timestamp: number }; committer: Author & { timestamp: number }; message: string }): Buffer {
  const who = (a: Author & { timestamp: number }) => `${a.name} <${a.email}> ${a.timestamp} +0000`;
  const headers = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`), `author ${who(c.author)}`, `committer ${who(c.committer)}`].join("\n");
  const message = `${c.message.replace(/\r/g, "").replace(/^\n+/, "").replace(/\n+$/, "")}\n`;
  return Buffer.from(`${headers}\n\n${message}`, "utf8");
}

class Store implements GitStore {
  private readonly objects: ObjectDb;
  private readonly trees: Trees;
  private readonly refs: Refs;
  private readonly commits: CommitHistory;
  private readonly blobs = new BlobMemo(BLOB_MEMO_PATHS);
  private readonly prestaged = new PrestagedBlobs(BLOB_MEMO_PATHS);

  constructor(readonly dir: string) {
    this.objects = new ObjectDb(dir);
    this.trees = new Trees(this.objects);
    this.refs = new Refs(dir);
    this.commits = new CommitHistory(this.objects, this.trees, this.refs);
  }

  readonly resolve = (refOrOid: string) => this.refs.resolve(refOrOid);

  async prestage(objects: Map<string, JsonObject>) {
    const fresh = new Map<string, Buffer>();
    const oids = new Map<string, string>();
    let n = 0;
    for (const [path, obj] of objects) {
      if (++n % SLICE === 0) await yieldLoop();
      const blob = this.blobs.blobOf(path, obj);
      oids.set(path, blob.oid);
      // No text: its JSON is the one this store last hashed for the path (already written).
      if (blob.text !== null && !this.prestaged.has(blob.oid)) fresh.set(blob.oid, Buffer.from(blob.text, "utf8"));
    }
    // Uncompressed: prestaging runs beside a sync's fetch and must stay cheap (lib/git/pack.ts).
    await this.objects.writeBlobs([...fresh], { stored: true });
    this.prestaged.add([...fresh.keys()]);
    return { written: fresh.size, oids };
  }

  readonly isPrestaged = (oid: string) => this.prestaged.has(oid);

  async writeSnapshot(opts: Parameters<GitStore["writeSnapshot"]>[0]): Promise<SnapshotResult> {
    const head = await this.refs.resolve(opts.ref);
    const edit = new TreeEdit(this.trees, await this.trees.ofCommit(head));
    const puts = opts.objects ?? opts.put ?? new Map<string, JsonObject>();
    const pending = new Map<string, Buffer>();
    for (const [path, obj] of puts) {
      const blob = this.blobs.blobOf(path, obj);
      // Awaited only when the edit had to read folders: thousands of puts stay synchronous.
      const set = edit.set(path, blob.oid);
      const changed = (typeof set === "object" ? await set : set) !== blob.oid;
      if (changed && !this.prestaged.has(blob.oid)) pending.set(blob.oid, Buffer.from(blob.text ?? serializeObject(obj), "utf8"));
    }
    for (const [path, oid] of opts.putBlobs ?? []) {
      if (!this.prestaged.has(oid)) throw new Error(`${path}: blob ${oid} was not prestaged`);
      const set = edit.set(path, oid);
      if (typeof set === "object") await set;
    }
    // A full snapshot is the old tree with every object put and every other file removed.
    if (opts.objects) {
      for (const path of (await this.trees.list(edit.orig)).keys()) if (!edit.has(path)) await edit.set(path, null);
    }
    for (const path of opts.remove ?? []) await edit.set(path, null);
    // Only new blobs are compressed and written: many at once as one pack, a few as loose files.
    await this.objects.writeBlobs([...pending]);
    const tree = await edit.write();
    const treeOid = tree.oid ?? this.trees.emptyTree();
    const parents = [...(head ? [head] : []), ...(opts.parents ?? [])];
    const changes = edit.changes();
    if (treeOid === edit.orig && !opts.parents?.length && head) {
      return { oid: head, changed: false, blobsWritten: 0, treesWritten: 0, ...changes };
    }
    const author = opts.author ?? DEFAULT_AUTHOR;
    const now = Math.floor(Date.now() / 1000);
    const who = { name: author.name, email: author.email, timestamp: now, timezoneOffset: 0 };
    const message = `${typeof opts.message === "function" ? opts.message(changes) : opts.message}`.replace(/\n*$/, "\n");
    const content = commitContent({ tree: treeOid, parents, author: who, committer: { ...DEFAULT_AUTHOR, timestamp: now }, message });
    const oid = objectOid("commit", content);
    this.objects.writeLoose("commit", content, oid);
    if (!opts.detached) await this.refs.compareAndSwap(opts.ref, oid, head);
    return { oid, changed: true, blobsWritten: pending.size, treesWritten: tree.treesWritten, ...changes };
  }

  async previewSnapshot(changes: SnapshotChanges): Promise<SnapshotPreview> {
    const files = changes.objects ? new Map<string, string>() : await this.listFiles(changes.ref);
    const objects = new Map<string, JsonObject>();
    for (const [path, obj] of changes.objects ?? changes.put ?? []) {
      const oid = this.blobs.oidOf(path, obj);
      files.set(path, oid);
      objects.set(oid, obj);
    }
    for (const [path, oid] of changes.putBlobs ?? []) files.set(path, oid);
    for (const path of changes.remove ?? []) files.delete(path);
    return { files, objects };
  }

  readonly createBranch = (name: string, from: string) => this.refs.createBranch(name, from);
  readonly deleteBranch = (name: string) => this.refs.deleteBranch(name);
  readonly listBranches = () => this.refs.listBranches();

  async listFiles(refOrOid: string) {
    return this.trees.list(await this.trees.ofCommit(await this.refs.resolve(refOrOid)));
  }

  readonly readBlobs = (oids: string[]) => this.objects.readJson(oids);

  async readObject(refOrOid: string, path: string) {
    const oid = await this.refs.resolve(refOrOid);
    if (!oid) return null;
    try {
      const { blob } = await git.readBlob({ fs, gitdir: this.dir, oid, filepath: path, cache: this.objects.gitCache });
      return JSON.parse(Buffer.from(blob).toString("utf8")) as JsonObject;
    } catch {
      return null;
    }
  }

  async readSnapshot(refOrOid: string) {
    const files = await this.listFiles(refOrOid);
    const blobs = await this.readBlobs([...files.values()]);
    return new Map([...files].map(([p, oid]) => [p, blobs.get(oid)!]));
  }

  readonly advanceRef = (ref: string, newOid: string, expectedOld: string | null) => this.refs.compareAndSwap(ref, newOid, expectedOld);
  readonly isAncestor = (oid: string, ofRef: string) => this.commits.isAncestor(oid, ofRef);
  readonly log = (ref: string, limit?: number) => this.commits.log(ref, limit);
  readonly history = (path: string, opts?: { ref?: string; limit?: number }) => this.commits.of(path, opts);
}

export async function openGitStore(dir: string): Promise<GitStore> {
  if (!fs.existsSync(`${dir}/HEAD`)) {
    fs.mkdirSync(dir, { recursive: true });
    await git.init({ fs, gitdir: dir, bare: true, defaultBranch: "main" });
  }
  const store = new Store(dir);
  // A new repository starts with one empty commit on main, so branches always have a base.
  if (!(await store.resolve("main"))) {
    await store.writeSnapshot({ ref: "main", objects: new Map(), message: "Initialize inventory" });
  }
  return store;
}
