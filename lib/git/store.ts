import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import git from "isomorphic-git";
import { assertNoSecrets, objectOid, serializeObject, treeContent, type TreeEntry } from "./objects";

// The Git-backed snapshot store (SPEC §5): a bare repository whose `main` is the inventory's
// history, one pretty JSON file per object. The only code that imports isomorphic-git.
// Snapshots are incremental: every object is hashed (cheap), and only objects whose oid is new
// are compressed and written; unchanged folders keep their tree oids. Reads go through
// isomorphic-git; objects are written with its plumbing (writeObject of pre-deflated content,
// writeCommit, writeRef).

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

function flatten(n: Node, prefix = "", out = new Map<string, string>()): Map<string, string> {
  for (const [k, v] of n) {
    if (typeof v === "string") out.set(`${prefix}${k}`, v);
    else flatten(v, `${prefix}${k}/`, out);
  }
  return out;
}

/** Directory tree of blob oids, as a nested map (leaves are blob oids). */
type Node = Map<string, string | Node>;

export interface GitStore {
  readonly dir: string;
  resolve(refOrOid: string): Promise<string | null>;
  /** Make `ref`'s tree exactly `objects` (full), or apply puts/removes to it (partial). */
  writeSnapshot(opts: {
    ref: string;
    objects?: Map<string, JsonObject>;
    put?: Map<string, JsonObject>;
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
  /** Paths → blob oids of a commit (subtrees equal between commits can be skipped by callers). */
  listFiles(refOrOid: string): Promise<Map<string, string>>;
  readBlobs(oids: string[]): Promise<Map<string, JsonObject>>;
  readObject(refOrOid: string, path: string): Promise<JsonObject | null>;
  readSnapshot(refOrOid: string): Promise<Map<string, JsonObject>>;
  /** Compare-and-swap a branch ref. */
  advanceRef(ref: string, newOid: string, expectedOld: string | null): Promise<void>;
  isAncestor(oid: string, ofRef: string): Promise<boolean>;
  log(ref: string, limit?: number): Promise<{ oid: string; message: string; time: Date; author: string; parents: string[] }[]>;
  history(paths: string[], opts?: { ref?: string; limit?: number }): Promise<{ oid: string; message: string; time: Date; path: string; data: JsonObject | null }[]>;
}

const HEADS = "refs/heads/";

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
    if (/^[0-9a-f]{40}$/.test(refOrOid)) return refOrOid;
    try {
      return await git.resolveRef({ fs, gitdir, ref: ref(refOrOid) });
    } catch {
      return null;
    }
  }

  async function writeDeflated(type: "blob" | "tree", content: Buffer, oid: string): Promise<void> {
    const wrapped = Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]);
    await git.writeObject({ fs, gitdir, type, object: zlib.deflateSync(wrapped, { level: 1 }), format: "deflated", oid });
  }

  /**
   * An object's content. Loose objects (all we write) are read and inflated natively, which is
   * several times faster than isomorphic-git's JS inflate for thousands of blobs; anything else
   * (e.g. after a native `git gc` packed them) goes through isomorphic-git.
   */
  async function readRaw(oid: string): Promise<Buffer> {
    try {
      const wrapped = zlib.inflateSync(await fs.promises.readFile(`${gitdir}/objects/${oid.slice(0, 2)}/${oid.slice(2)}`));
      return wrapped.subarray(wrapped.indexOf(0) + 1);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      const { object } = await git.readObject({ fs, gitdir, oid, format: "content", cache });
      return Buffer.from(object as Uint8Array);
    }
  }

  /** Tree entries: `<mode> <name>\0<20-byte oid>`. */
  async function readTree(oid: string): Promise<{ path: string; oid: string; tree: boolean }[]> {
    const buf = await readRaw(oid);
    const out: { path: string; oid: string; tree: boolean }[] = [];
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

  async function readTreeNode(treeOid: string | null): Promise<Node> {
    const node: Node = new Map();
    if (!treeOid) return node;
    const entries = await readTree(treeOid);
    const subs = await Promise.all(entries.map((e) => (e.tree ? readTreeNode(e.oid) : Promise.resolve(e.oid))));
    entries.forEach((e, i) => node.set(e.path, subs[i]!));
    return node;
  }

  async function treeOfCommit(commitOid: string | null): Promise<string | null> {
    if (!commitOid) return null;
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

  function setPath(root: Node, path: string, oid: string | null) {
    const parts = path.split("/");
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      let next = node.get(parts[i]!);
      if (typeof next !== "object") {
        next = new Map();
        node.set(parts[i]!, next);
      }
      node = next;
    }
    const leaf = parts[parts.length - 1]!;
    if (oid === null) node.delete(leaf);
    else node.set(leaf, oid);
  }

  /** Hash a node's tree bottom-up; write trees that did not exist before (by oid). */
  async function writeNode(node: Node, known: Set<string>, stats: { trees: number }): Promise<string | null> {
    const entries: TreeEntry[] = [];
    for (const [name, v] of node) {
      if (typeof v === "string") entries.push({ mode: "100644", path: name, oid: v });
      else {
        const sub = await writeNode(v, known, stats);
        if (sub) entries.push({ mode: "040000", path: name, oid: sub });
      }
    }
    if (!entries.length) return null;
    const content = treeContent(entries);
    const oid = objectOid("tree", content);
    if (!known.has(oid)) {
      await writeDeflated("tree", content, oid);
      stats.trees++;
    }
    return oid;
  }

  async function knownTreeOids(treeOid: string | null, out = new Set<string>()): Promise<Set<string>> {
    if (!treeOid) return out;
    out.add(treeOid);
    for (const e of (await treeEntries(treeOid)).values()) if (e.tree) await knownTreeOids(e.oid, out);
    return out;
  }

  const store: GitStore = {
    dir,
    resolve,

    async writeSnapshot(opts) {
      const head = await resolve(opts.ref);
      const oldTree = await treeOfCommit(head);
      const root: Node = opts.objects ? new Map() : await readTreeNode(oldTree);
      const before = flatten(opts.objects ? await readTreeNode(oldTree) : root);
      const existingBlobs = new Set<string>(before.values());
      const puts = opts.objects ?? opts.put ?? new Map<string, JsonObject>();
      const pending: { oid: string; content: Buffer }[] = [];
      for (const [path, obj] of puts) {
        assertNoSecrets(obj, path);
        const content = Buffer.from(serializeObject(obj), "utf8");
        const oid = objectOid("blob", content);
        setPath(root, path, oid);
        if (!existingBlobs.has(oid)) {
          existingBlobs.add(oid);
          pending.push({ oid, content });
        }
      }
      for (const path of opts.remove ?? []) setPath(root, path, null);
      // Only new blobs are compressed and written, a few at a time.
      for (let i = 0; i < pending.length; i += 64) {
        await Promise.all(pending.slice(i, i + 64).map((b) => writeDeflated("blob", b.content, b.oid)));
      }
      const stats = { trees: 0 };
      // Unchanged subtrees hash to oids the old tree already has: those are not written again.
      const treeOid = (await writeNode(root, await knownTreeOids(oldTree), stats)) ?? (await emptyTree());
      const parents = [...(head ? [head] : []), ...(opts.parents ?? [])];
      const after = flatten(root);
      const added = [...after.keys()].filter((k) => !before.has(k));
      const modified = [...after].filter(([k, v]) => before.has(k) && before.get(k) !== v).map(([k]) => k);
      const removed = [...before.keys()].filter((k) => !after.has(k));
      if (treeOid === oldTree && !opts.parents?.length && head) {
        return { oid: head, changed: false, blobsWritten: 0, treesWritten: 0, added, modified, removed };
      }
      const author = opts.author ?? DEFAULT_AUTHOR;
      const now = Math.floor(Date.now() / 1000);
      const who = { name: author.name, email: author.email, timestamp: now, timezoneOffset: 0 };
      const oid = await git.writeCommit({
        fs,
        gitdir,
        commit: { tree: treeOid, parent: parents, author: who, committer: { ...DEFAULT_AUTHOR, timestamp: now, timezoneOffset: 0 }, message: `${typeof opts.message === "function" ? opts.message({ added, modified, removed }) : opts.message}`.replace(/\n*$/, "\n") },
      });
      if (!opts.detached) await compareAndSwapRef(opts.ref, oid, head);
      return { oid, changed: true, blobsWritten: pending.length, treesWritten: stats.trees, added, modified, removed };
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
      return flatten(await readTreeNode(await treeOfCommit(await resolve(refOrOid))));
    },

    async readBlobs(oids) {
      const out = new Map<string, JsonObject>();
      const unique = [...new Set(oids)];
      for (let i = 0; i < unique.length; i += 64) {
        await Promise.all(
          unique.slice(i, i + 64).map(async (oid) => {
            out.set(oid, JSON.parse((await readRaw(oid)).toString("utf8")) as JsonObject);
          }),
        );
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

    async history(paths, opts = {}) {
      // First-parent walk of `ref`, keeping the commits where one of the paths changed.
      const out: { oid: string; message: string; time: Date; path: string; data: JsonObject | null }[] = [];
      let oid = await resolve(opts.ref ?? "main");
      const limit = opts.limit ?? 50;
      let scanned = 0;
      while (oid && out.length < limit && scanned < 2000) {
        scanned++;
        const { commit } = await git.readCommit({ fs, gitdir, oid, cache });
        const parent = commit.parent[0] ?? null;
        for (const path of paths) {
          const mine = await blobAt(commit.tree, path);
          const theirs = parent ? await blobAt((await git.readCommit({ fs, gitdir, oid: parent, cache })).commit.tree, path) : null;
          if (mine !== theirs && (mine || theirs)) {
            out.push({
              oid,
              message: commit.message.trim(),
              time: new Date(commit.committer.timestamp * 1000),
              path,
              data: mine ? (await store.readBlobs([mine])).get(mine)! : null,
            });
          }
        }
        oid = parent;
      }
      return out;
    },
  };

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
    await writeDeflated("tree", Buffer.alloc(0), oid);
    return oid;
  }

  // A new repository starts with one empty commit on main, so branches always have a base.
  if (!(await resolve("main"))) {
    await store.writeSnapshot({ ref: "main", objects: new Map(), message: "Initialize inventory" });
  }
  return store;
}
