import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import git from "isomorphic-git";
import { PackReader, writePack } from "./pack";
import { assertNoSecrets, objectOid, serializeObject, sortEntries, treeContent, type TreeEntry } from "./objects";

// The Git-backed snapshot store (SPEC §5): a bare repository whose `main` is the inventory's
// history, one pretty JSON file per object. The only code that imports isomorphic-git.
// Snapshots are incremental: an object is hashed only when its JSON changed since the store last
// saw it, only new blobs are compressed and written, and only the folders on changed paths are
// read and rehashed; unchanged folders keep their tree oids. The hot paths — loose objects,
// loose refs, commit objects (rendered as isomorphic-git renders them) — are plain files read and
// written here; everything else (packed objects and refs, logs, ancestry) goes through
// isomorphic-git.

export type JsonObject = Record<string, unknown>;

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

type TreeItem = { path: string; oid: string; tree: boolean };

/** Parsed trees (and folder listings) kept per store, in entries: ~100 bytes each, ~10 MB. */
const TREE_CACHE_ENTRIES = 100_000;

/** Paths whose last object is remembered (its plain JSON and blob oid): a few MB per 10,000. */
const BLOB_MEMO_PATHS = 50_000;

export interface GitStore {
  readonly dir: string;
  resolve(refOrOid: string): Promise<string | null>;
  /** Make `ref`'s tree exactly `objects` (full), or apply puts/removes to it (partial). */
  writeSnapshot(opts: {
    ref: string;
    objects?: Map<string, JsonObject>;
    put?: Map<string, JsonObject>;
    /** Files put by blob oid: blobs this store prestaged (see isPrestaged), not serialized again. */
    putBlobs?: Map<string, string>;
    remove?: string[];
    /** The commit message, or a function of what changed. */
    message: string | ((changes: { added: string[]; modified: string[]; removed: string[] }) => string);
    author?: Author;
    /** Extra parents (a merge commit). */
    parents?: string[];
    /** Build the commit without moving the ref (two-phase merges). */
    detached?: boolean;
  }): Promise<SnapshotResult>;
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
  log(ref: string, limit?: number): Promise<{ oid: string; message: string; time: Date; author: string; parents: string[] }[]>;
  /**
   * One object's history on `ref` (first parent), newest first: the commits that created,
   * changed, renamed or deleted it. The object is followed across renames and moves (a file
   * that appears where another with the same `id` disappeared, in the same top-level folder),
   * and the walk stops at its creation.
   */
  history(path: string, opts?: { ref?: string; limit?: number }): Promise<HistoryEntry[]>;
}

export interface HistoryEntry {
  oid: string;
  message: string;
  time: Date;
  author: string;
  /** Where the object is in this commit (where it was, for a delete). */
  path: string;
  kind: "created" | "modified" | "renamed" | "deleted";
  /** For a rename: where it was before this commit. */
  from: string | null;
  data: JsonObject | null;
}

/** A blob's oid from its text: one-shot hashing of the header and text, no buffers (Node ≥ 20.12). */
const oneShot = (crypto as { hash?: (algorithm: string, data: string) => string }).hash;
function blobOid(text: string): string {
  const header = `blob ${Buffer.byteLength(text, "utf8")}\0`;
  return oneShot ? oneShot("sha1", header + text) : objectOid("blob", Buffer.from(text, "utf8"));
}

const HEADS = "refs/heads/";
const OID = /^[0-9a-f]{40}$/;

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

export async function openGitStore(dir: string): Promise<GitStore> {
  const gitdir = dir;
  const cache = {};
  if (!fs.existsSync(`${gitdir}/HEAD`)) {
    fs.mkdirSync(gitdir, { recursive: true });
    await git.init({ fs, gitdir, bare: true, defaultBranch: "main" });
  }
  const ref = (name: string) => (name.startsWith("refs/") ? name : `${HEADS}${name}`);

  /**
   * Moves a ref only if it still points at `expectedOld`, under Git's own `<ref>.lock` protocol, so
   * two processes (or native git) sharing the repository never overwrite each other's commits.
   */
  async function compareAndSwapRef(name: string, newOid: string, expectedOld: string | null): Promise<void> {
    const file = path.join(gitdir, ...ref(name).split("/"));
    const lock = `${file}.lock`;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    let fd: number;
    try {
      fd = fs.openSync(lock, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new Error(`ref ${name} is locked by another writer (${lock})`);
      throw err;
    }
    try {
      const current = await resolve(name);
      if (current !== expectedOld) throw new Error(`ref ${name} moved (expected ${expectedOld ?? "none"}, found ${current ?? "none"})`);
      fs.writeSync(fd, `${newOid}\n`);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fd = -1;
      fs.renameSync(lock, file);
    } finally {
      if (fd !== -1) fs.closeSync(fd);
      fs.rmSync(lock, { force: true });
    }
  }

  async function resolve(refOrOid: string): Promise<string | null> {
    if (OID.test(refOrOid)) return refOrOid;
    // A loose ref (all we write) is read directly; packed or symbolic ones through isomorphic-git.
    try {
      const value = fs.readFileSync(path.join(gitdir, ...ref(refOrOid).split("/")), "utf8").trim();
      if (OID.test(value)) return value;
    } catch {
      // not a loose ref
    }
    try {
      return await git.resolveRef({ fs, gitdir, ref: ref(refOrOid) });
    } catch {
      return null;
    }
  }

  // Loose objects are small: they are written and read with synchronous calls, a slice at a time
  // with the event loop let through in between — several times faster than one promise (and
  // four thread-pool round trips) per file when a snapshot or a diff touches thousands.
  const fanOut = new Set<string>();
  const tmpPrefix = `tmp_obj_${process.pid}_${Date.now().toString(36)}_`;
  let tmpSeq = 0;

  /** Writes a loose object atomically (temporary file, then rename); an existing one is left. */
  function writeLoose(type: "blob" | "tree" | "commit", content: Buffer, oid: string): void {
    const dir = `${gitdir}/objects/${oid.slice(0, 2)}`;
    const file = `${dir}/${oid.slice(2)}`;
    if (!fanOut.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      fanOut.add(dir);
    }
    const wrapped = Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]);
    const tmp = `${dir}/${tmpPrefix}${tmpSeq++}`;
    // Small objects: a small window costs less to set up than the default 32 KB (any window inflates).
    const deflated = zlib.deflateSync(wrapped, wrapped.length < 4096 ? { level: 1, windowBits: 12, memLevel: 4 } : { level: 1 });
    fs.writeFileSync(tmp, deflated, { flag: "wx", mode: 0o444 });
    fs.renameSync(tmp, file);
  }

  const SLICE = 256;
  /** From this many new blobs in one snapshot on, they go into a packfile. */
  const PACK_THRESHOLD = 512;
  const yieldLoop = () => new Promise<void>((r) => setImmediate(r));

  /** A loose object's content, or null when it is not loose (packed by a native `git gc`). */
  const packs = new PackReader(gitdir);

  function readLooseSync(oid: string): Buffer | null {
    let raw: Buffer;
    try {
      raw = fs.readFileSync(`${gitdir}/objects/${oid.slice(0, 2)}/${oid.slice(2)}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
    const wrapped = zlib.inflateSync(raw);
    return wrapped.subarray(wrapped.indexOf(0) + 1);
  }

  /**
   * An object's content. Loose objects (all we write) are read and inflated natively, which is
   * several times faster than isomorphic-git's JS inflate for thousands of blobs; anything else
   * (e.g. after a native `git gc` packed them) goes through isomorphic-git.
   */
  async function readRaw(oid: string): Promise<Buffer> {
    const loose = readLooseSync(oid);
    if (loose) return loose;
    const packed = packs.read(oid);
    if (packed) return packed.content;
    const { object } = await git.readObject({ fs, gitdir, oid, format: "content", cache });
    return Buffer.from(object as Uint8Array);
  }

  /** Tree entries: `<mode> <name>\0<20-byte oid>`. */
  function parseTree(buf: Buffer): TreeItem[] {
    const out: TreeItem[] = [];
    let i = 0;
    while (i < buf.length) {
      const space = buf.indexOf(32, i);
      const nul = buf.indexOf(0, space);
      const mode = buf.toString("latin1", i, space);
      out.push({ path: buf.toString("utf8", space + 1, nul), oid: buf.toString("hex", nul + 1, nul + 21), tree: mode === "40000" || mode === "040000" });
      i = nul + 21;
    }
    return out;
  }

  // Trees are immutable by oid, and every snapshot, diff and listing walks the same few large
  // folders: parsed trees are kept (least recently used first out, bounded by entries).
  const treeCache = new Map<string, TreeItem[]>();
  let treeCacheEntries = 0;
  function rememberTree(oid: string, items: TreeItem[]): void {
    if (treeCache.has(oid)) return;
    treeCache.set(oid, items);
    treeCacheEntries += items.length;
    for (const [k, v] of treeCache) {
      if (treeCacheEntries <= TREE_CACHE_ENTRIES || k === oid) break;
      treeCache.delete(k);
      treeCacheEntries -= v.length;
    }
  }

  /** A tree's entries, in Git's order. Callers must not modify the array. */
  async function readTree(oid: string): Promise<readonly TreeItem[]> {
    const hit = treeCache.get(oid);
    if (hit) {
      treeCache.delete(oid);
      treeCache.set(oid, hit);
      return hit;
    }
    const items = parseTree(await readRaw(oid));
    rememberTree(oid, items);
    return items;
  }

  // Folder listings (full path → blob oid) by folder path and tree oid: listing the inventory
  // after a change reuses the listings of every folder it did not touch, and the entries
  // themselves are shared between listings. Bounded by entries, like the trees.
  const listingCache = new Map<string, readonly (readonly [string, string])[]>();
  let listingEntries = 0;

  async function folderListing(oid: string, prefix: string): Promise<readonly (readonly [string, string])[]> {
    const key = `${prefix}\0${oid}`;
    const hit = listingCache.get(key);
    if (hit) {
      listingCache.delete(key);
      listingCache.set(key, hit);
      return hit;
    }
    const out: (readonly [string, string])[] = [];
    for (const e of await readTree(oid)) {
      if (!e.tree) out.push([`${prefix}${e.path}`, e.oid]);
      else for (const entry of await folderListing(e.oid, `${prefix}${e.path}/`)) out.push(entry);
    }
    listingCache.set(key, out);
    listingEntries += out.length;
    for (const [k, v] of listingCache) {
      if (listingEntries <= TREE_CACHE_ENTRIES || k === key) break;
      listingCache.delete(k);
      listingEntries -= v.length;
    }
    return out;
  }

  /** Every file of a tree, path → blob oid, in Git's order. */
  async function listTree(treeOid: string | null): Promise<Map<string, string>> {
    return new Map(treeOid ? await folderListing(treeOid, "") : []);
  }

  async function treeOfCommit(commitOid: string | null): Promise<string | null> {
    if (!commitOid) return null;
    // A commit starts with `tree <oid>\n`.
    const loose = readLooseSync(commitOid);
    if (loose && loose.toString("latin1", 0, 5) === "tree ") return loose.toString("latin1", 5, 45);
    const { commit } = await git.readCommit({ fs, gitdir, oid: commitOid, cache });
    return commit.tree;
  }

  /** Shallow tree reading: a subtree is only expanded when we descend into it. */
  async function treeEntries(treeOid: string | null): Promise<Map<string, { oid: string; tree: boolean }>> {
    const out = new Map<string, { oid: string; tree: boolean }>();
    if (!treeOid) return out;
    for (const e of await readTree(treeOid)) out.set(e.path, { oid: e.oid, tree: e.tree });
    return out;
  }

  /** A folder being edited: its children are read only when a path descends into it. */
  interface EditNode {
    /** The tree oid it had (null: new). */
    orig: string | null;
    children: Map<string, string | EditNode> | null;
    dirty: boolean;
  }

  async function load(n: EditNode): Promise<void> {
    if (n.children) return;
    const items = n.orig ? await readTree(n.orig) : [];
    if (n.children) return; // loaded meanwhile
    n.children = new Map();
    for (const e of items) n.children.set(e.path, e.tree ? { orig: e.oid, children: null, dirty: false } : e.oid);
  }

  async function loadAll(n: EditNode): Promise<void> {
    await load(n);
    for (const v of n.children!.values()) if (typeof v === "object") await loadAll(v);
  }

  function loadedAll(n: EditNode): boolean {
    return !!n.children && [...n.children.values()].every((v) => typeof v === "string" || loadedAll(v));
  }

  /**
   * Reads the folders an edit of `parts` needs (those on its path; all of a folder it replaces),
   * or returns false when they are in memory already — the common case, kept synchronous.
   */
  function needsLoad(root: EditNode, parts: string[]): boolean {
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      if (!node.children) return true;
      const next = node.children.get(parts[i]!);
      if (typeof next !== "object") return false;
      node = next;
    }
    if (!node.children) return true;
    const prev = node.children.get(parts[parts.length - 1]!);
    return typeof prev === "object" && !loadedAll(prev);
  }

  async function loadFor(root: EditNode, parts: string[]): Promise<void> {
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      await load(node);
      const next = node.children!.get(parts[i]!);
      if (typeof next !== "object") return;
      node = next;
    }
    await load(node);
    const prev = node.children!.get(parts[parts.length - 1]!);
    if (typeof prev === "object") await loadAll(prev);
  }

  /** Every file under a (loaded) folder, for a folder a file replaces. */
  function filesUnder(n: EditNode, prefix: string, out: Map<string, string>): void {
    for (const [k, v] of n.children!) {
      if (typeof v === "string") out.set(`${prefix}${k}`, v);
      else filesUnder(v, `${prefix}${k}/`, out);
    }
  }

  /**
   * Sets (oid) or removes (null) one file; only the folders on its path are read, and only
   * those are marked for rehashing when something actually changes. `touched` records each
   * affected path's oid before the snapshot (first touch wins) for added/modified/removed.
   * Returns the file's previous oid.
   */
  async function editPath(root: EditNode, path: string, oid: string | null, touched: Map<string, string | null>): Promise<string | undefined> {
    const parts = path.split("/");
    if (needsLoad(root, parts)) await loadFor(root, parts);
    return editLoaded(root, parts, path, oid, touched);
  }

  function editLoaded(root: EditNode, parts: string[], path: string, oid: string | null, touched: Map<string, string | null>): string | undefined {
    const chain: EditNode[] = [root];
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const kids = node.children!;
      let next = kids.get(parts[i]!);
      if (typeof next !== "object") {
        if (next === undefined && oid === null) return undefined; // nothing there to remove
        if (typeof next === "string") {
          // A file where the path needs a folder: it gives way (also when removing below it).
          const at = parts.slice(0, i + 1).join("/");
          if (!touched.has(at)) touched.set(at, next);
          if (oid === null) {
            kids.delete(parts[i]!);
            for (const n of chain) n.dirty = true;
            return undefined;
          }
        }
        next = { orig: null, children: new Map(), dirty: true };
        kids.set(parts[i]!, next);
      }
      chain.push(next);
      node = next;
    }
    const kids = node.children!;
    const leaf = parts[parts.length - 1]!;
    const prev = kids.get(leaf);
    if (typeof prev === "object") {
      // A folder where the file goes (or removed by its path): everything under it goes.
      const gone = new Map<string, string>();
      filesUnder(prev, `${path}/`, gone);
      for (const [p, o] of gone) if (!touched.has(p)) touched.set(p, o);
    }
    if (!touched.has(path)) touched.set(path, typeof prev === "string" ? prev : null);
    if (prev === oid || (prev === undefined && oid === null)) return typeof prev === "string" ? prev : undefined;
    if (oid === null) kids.delete(leaf);
    else kids.set(leaf, oid);
    for (const n of chain) n.dirty = true;
    return typeof prev === "string" ? prev : undefined;
  }

  /** The value of a path now, in the edited tree (undefined: absent). */
  function currentAt(root: EditNode, path: string): string | undefined {
    const parts = path.split("/");
    let node: string | EditNode | undefined = root;
    for (const part of parts) {
      if (typeof node !== "object" || !node.children) return undefined;
      node = node.children.get(part);
    }
    return typeof node === "string" ? node : undefined;
  }

  /** Hashes changed folders bottom-up and writes those that are new; unchanged ones keep their oid. */
  async function writeEdited(node: EditNode, stats: { trees: number }): Promise<string | null> {
    if (!node.dirty) return node.orig;
    const entries: TreeEntry[] = [];
    for (const [name, v] of node.children!) {
      if (typeof v === "string") entries.push({ mode: "100644", path: name, oid: v });
      else {
        const sub = await writeEdited(v, stats);
        if (sub) entries.push({ mode: "040000", path: name, oid: sub });
      }
    }
    if (!entries.length) return null;
    const sorted = sortEntries(entries);
    const content = treeContent(sorted);
    const oid = objectOid("tree", content);
    if (oid !== node.orig && !treeCache.has(oid)) {
      writeLoose("tree", content, oid);
      stats.trees++;
      // What parseTree would read back from it.
      rememberTree(oid, sorted.map((e) => ({ path: e.path, oid: e.oid, tree: e.mode === "040000" })));
    }
    return oid;
  }

  // Most of a snapshot's objects are the ones it had last time: the plain JSON.stringify of an
  // object (native, no sorting) is remembered per path with its blob oid, and an object whose
  // JSON has not changed is neither serialized canonically, checked for secrets, nor hashed
  // again. (Equal plain JSON means equal data, so equal canonical JSON; objects are JSON data.)
  const blobMemo = new Map<string, { json: string; oid: string }>();

  function blobOf(path: string, obj: JsonObject): { oid: string; text: string | null } {
    const json = JSON.stringify(obj);
    const memo = blobMemo.get(path);
    if (memo && memo.json === json) return { oid: memo.oid, text: null };
    assertNoSecrets(obj, path);
    const text = serializeObject(obj);
    const oid = blobOid(text);
    if (blobMemo.size >= BLOB_MEMO_PATHS) blobMemo.clear();
    blobMemo.set(path, { json, oid });
    return { oid, text };
  }

  // Blobs this process wrote ahead of a snapshot (prestage): that snapshot need not write them
  // again. Kept for PRESTAGED_TTL_MS only, so a blob an operator's `git gc --prune=now` removed
  // while no commit referenced it is never assumed present for long.
  const prestaged = new Map<string, number>();
  const PRESTAGED_TTL_MS = 10 * 60_000;
  const isPrestaged = (oid: string) => {
    const until = prestaged.get(oid);
    return until !== undefined && until > Date.now();
  };

  async function writeBlobs(blobs: [string, Buffer][], opts: { stored?: boolean } = {}): Promise<void> {
    if (blobs.length >= PACK_THRESHOLD) writePack(gitdir, "blob", blobs, opts);
    else {
      for (let i = 0; i < blobs.length; i += SLICE) {
        if (i) await yieldLoop();
        for (const [oid, content] of blobs.slice(i, i + SLICE)) writeLoose("blob", content, oid);
      }
    }
  }

  const store: GitStore = {
    dir,
    resolve,

    async prestage(objects) {
      const fresh = new Map<string, Buffer>();
      const oids = new Map<string, string>();
      let n = 0;
      for (const [path, obj] of objects) {
        if (++n % SLICE === 0) await yieldLoop();
        const blob = blobOf(path, obj);
        oids.set(path, blob.oid);
        // No text: its JSON is the one this store last hashed for the path (already written).
        if (blob.text !== null && !isPrestaged(blob.oid)) fresh.set(blob.oid, Buffer.from(blob.text, "utf8"));
      }
      // Uncompressed: prestaging runs beside a sync's fetch and must stay cheap (lib/git/pack.ts).
      await writeBlobs([...fresh], { stored: true });
      if (prestaged.size + fresh.size > BLOB_MEMO_PATHS) prestaged.clear();
      const until = Date.now() + PRESTAGED_TTL_MS;
      for (const oid of fresh.keys()) prestaged.set(oid, until);
      return { written: fresh.size, oids };
    },

    isPrestaged,

    async writeSnapshot(opts) {
      const head = await resolve(opts.ref);
      const oldTree = await treeOfCommit(head);
      const root: EditNode = { orig: oldTree, children: null, dirty: false };
      const touched = new Map<string, string | null>();
      const puts = opts.objects ?? opts.put ?? new Map<string, JsonObject>();
      const pending = new Map<string, Buffer>();
      for (const [path, obj] of puts) {
        const blob = blobOf(path, obj);
        const parts = path.split("/");
        if (needsLoad(root, parts)) await loadFor(root, parts);
        const changed = editLoaded(root, parts, path, blob.oid, touched) !== blob.oid;
        if (changed && !isPrestaged(blob.oid)) pending.set(blob.oid, Buffer.from(blob.text ?? serializeObject(obj), "utf8"));
      }
      for (const [path, oid] of opts.putBlobs ?? []) {
        if (!isPrestaged(oid)) throw new Error(`${path}: blob ${oid} was not prestaged`);
        const parts = path.split("/");
        if (needsLoad(root, parts)) await loadFor(root, parts);
        editLoaded(root, parts, path, oid, touched);
      }
      // A full snapshot is the old tree with every object put and every other file removed.
      if (opts.objects) {
        for (const path of (await listTree(oldTree)).keys()) if (!touched.has(path)) await editPath(root, path, null, touched);
      }
      for (const path of opts.remove ?? []) await editPath(root, path, null, touched);
      // Only new blobs are compressed and written: many at once as one pack, a few as loose files.
      await writeBlobs([...pending]);
      const stats = { trees: 0 };
      const treeOid = (await writeEdited(root, stats)) ?? (await emptyTree());
      const parents = [...(head ? [head] : []), ...(opts.parents ?? [])];
      const added: string[] = [];
      const modified: string[] = [];
      const removed: string[] = [];
      // The default sort compares UTF-16 code units, as `<` does.
      for (const path of [...touched.keys()].sort()) {
        const was = touched.get(path) ?? null;
        const is = currentAt(root, path) ?? null;
        if (was === null && is !== null) added.push(path);
        else if (was !== null && is === null) removed.push(path);
        else if (was !== null && is !== was) modified.push(path);
      }
      if (treeOid === oldTree && !opts.parents?.length && head) {
        return { oid: head, changed: false, blobsWritten: 0, treesWritten: 0, added, modified, removed };
      }
      const author = opts.author ?? DEFAULT_AUTHOR;
      const now = Math.floor(Date.now() / 1000);
      const who = { name: author.name, email: author.email, timestamp: now, timezoneOffset: 0 };
      const message = `${typeof opts.message === "function" ? opts.message({ added, modified, removed }) : opts.message}`.replace(/\n*$/, "\n");
      const content = commitContent({ tree: treeOid, parents, author: who, committer: { ...DEFAULT_AUTHOR, timestamp: now }, message });
      const oid = objectOid("commit", content);
      writeLoose("commit", content, oid);
      if (!opts.detached) await compareAndSwapRef(opts.ref, oid, head);
      return { oid, changed: true, blobsWritten: pending.size, treesWritten: stats.trees, added, modified, removed };
    },

    async createBranch(name, from) {
      const oid = await resolve(from);
      if (!oid) throw new Error(`cannot branch from ${from}: no such ref`);
      await git.writeRef({ fs, gitdir, ref: ref(name), value: oid, force: false });
      return oid;
    },

    async deleteBranch(name) {
      await git.deleteRef({ fs, gitdir, ref: ref(name) }).catch(() => {});
    },

    listBranches: () => git.listBranches({ fs, gitdir }),

    async listFiles(refOrOid) {
      return listTree(await treeOfCommit(await resolve(refOrOid)));
    },

    async readBlobs(oids) {
      const out = new Map<string, JsonObject>();
      const unique = [...new Set(oids)];
      for (let i = 0; i < unique.length; i += SLICE) {
        if (i) await yieldLoop();
        for (const oid of unique.slice(i, i + SLICE)) out.set(oid, JSON.parse((await readRaw(oid)).toString("utf8")) as JsonObject);
      }
      return out;
    },

    async readObject(refOrOid, path) {
      const oid = await resolve(refOrOid);
      if (!oid) return null;
      try {
        const { blob } = await git.readBlob({ fs, gitdir, oid, filepath: path, cache });
        return JSON.parse(Buffer.from(blob).toString("utf8")) as JsonObject;
      } catch {
        return null;
      }
    },

    async readSnapshot(refOrOid) {
      const files = await store.listFiles(refOrOid);
      const blobs = await store.readBlobs([...files.values()]);
      return new Map([...files].map(([p, oid]) => [p, blobs.get(oid)!]));
    },

    advanceRef: (name, newOid, expectedOld) => compareAndSwapRef(name, newOid, expectedOld),

    async isAncestor(oid, ofRef) {
      const tip = await resolve(ofRef);
      if (!tip) return false;
      if (tip === oid) return true;
      return git.isDescendent({ fs, gitdir, oid: tip, ancestor: oid, depth: -1, cache });
    },

    async log(name, limit = 50) {
      const oid = await resolve(name);
      if (!oid) return [];
      const entries = await git.log({ fs, gitdir, ref: oid, depth: limit, cache });
      return entries.map((e) => ({
        oid: e.oid,
        message: e.commit.message.trim(),
        time: new Date(e.commit.committer.timestamp * 1000),
        author: e.commit.author.name,
        parents: e.commit.parent,
      }));
    },

    async history(path, opts = {}) {
      const out: HistoryEntry[] = [];
      let oid = await resolve(opts.ref ?? "main");
      const limit = opts.limit ?? 50;
      let at = path;
      let scanned = 0;
      while (oid && out.length < limit && scanned < 5000) {
        scanned++;
        const { commit } = await git.readCommit({ fs, gitdir, oid, cache });
        const parent = commit.parent[0] ?? null;
        const parentTree = parent ? await treeOfCommit(parent) : null;
        const mine = await blobAt(commit.tree, at);
        const theirs = parentTree ? await blobAt(parentTree, at) : null;
        const entry = (kind: HistoryEntry["kind"], data: JsonObject | null, from: string | null = null): HistoryEntry => ({
          oid: oid!,
          message: commit.message.trim(),
          time: new Date(commit.committer.timestamp * 1000),
          author: commit.author.name,
          path: at,
          kind,
          from,
          data,
        });
        if (mine !== theirs) {
          const data = mine ? (await store.readBlobs([mine])).get(mine)! : null;
          if (mine && !theirs) {
            // Appeared here: created, or renamed / moved from a path this commit removed.
            const from = parentTree ? await formerPath(parentTree, commit.tree, at, data?.id) : null;
            out.push(entry(from ? "renamed" : "created", data, from));
            if (!from) break;
            at = from;
          } else out.push(entry(mine ? "modified" : "deleted", data));
        }
        oid = parent;
      }
      return out;
    },
  };

  /**
   * The path in `before` of the object with `id` that `after` no longer has there (a rename or
   * a move of its folder), searched among the files removed under the same top-level folder.
   */
  async function formerPath(before: string, after: string, path: string, id: unknown): Promise<string | null> {
    if (typeof id !== "number") return null;
    const top = path.split("/")[0]!;
    const [was, is] = await Promise.all([folderOf(before, top), folderOf(after, top)]);
    if (!was) return null;
    const removed = (await removedFiles(was, is, `${top}/`)).filter(([p]) => p !== path);
    const blobs = await store.readBlobs(removed.map(([, o]) => o));
    return removed.find(([, o]) => blobs.get(o)?.id === id)?.[0] ?? null;
  }

  async function folderOf(treeOid: string, name: string): Promise<string | null> {
    const e = (await treeEntries(treeOid)).get(name);
    return e?.tree ? e.oid : null;
  }

  /** Files of tree `was` that tree `is` lacks or holds elsewhere (equal subtrees are skipped). */
  async function removedFiles(was: string, is: string | null, prefix: string): Promise<[string, string][]> {
    if (was === is) return [];
    const [a, b] = await Promise.all([treeEntries(was), treeEntries(is)]);
    const out: [string, string][] = [];
    for (const [name, e] of a) {
      const other = b.get(name);
      if (other?.oid === e.oid) continue;
      if (e.tree) out.push(...(await removedFiles(e.oid, other?.tree ? other.oid : null, `${prefix}${name}/`)));
      else if (!other || other.tree) out.push([`${prefix}${name}`, e.oid]);
    }
    return out;
  }

  async function blobAt(treeOid: string, path: string): Promise<string | null> {
    let current: string | null = treeOid;
    for (const part of path.split("/")) {
      if (!current) return null;
      const entries = await treeEntries(current);
      current = entries.get(part)?.oid ?? null;
    }
    return current;
  }

  async function emptyTree(): Promise<string> {
    const oid = objectOid("tree", Buffer.alloc(0));
    writeLoose("tree", Buffer.alloc(0), oid);
    return oid;
  }

  // A new repository starts with one empty commit on main, so branches always have a base.
  if (!(await resolve("main"))) {
    await store.writeSnapshot({ ref: "main", objects: new Map(), message: "Initialize inventory" });
  }
  return store;
}
