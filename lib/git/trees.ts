import type { ObjectDb } from "./object-db";
import { objectOid, treeContent, type TreeEntry } from "./objects";

// Reading trees. Trees are immutable by oid, and every snapshot, diff and listing walks the same
// few large folders: parsed trees and folder listings are kept, bounded by entries.

export type TreeItem = { path: string; oid: string; tree: boolean };

/** Parsed trees (and folder listings) kept per store, in entries: ~100 bytes each, ~10 MB. */
const TREE_CACHE_ENTRIES = 100_000;

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

/** Least recently used first out, bounded by the entries of all its lists (not by their number). */
class EntryBoundedCache<V extends readonly unknown[]> {
  private readonly map = new Map<string, V>();
  private entries = 0;
  constructor(private readonly maxEntries: number) {}

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** A hit becomes the most recently used. */
  get(key: string): V | undefined {
    const hit = this.map.get(key);
    if (hit) {
      this.map.delete(key);
      this.map.set(key, hit);
    }
    return hit;
  }

  /** A key's value never changes (trees are immutable): a key present is left as it is. */
  set(key: string, value: V): void {
    if (this.map.has(key)) return;
    this.map.set(key, value);
    this.entries += value.length;
    for (const [k, v] of this.map) {
      if (this.entries <= this.maxEntries || k === key) break;
      this.map.delete(k);
      this.entries -= v.length;
    }
  }
}

export class Trees {
  private readonly parsed = new EntryBoundedCache<readonly TreeItem[]>(TREE_CACHE_ENTRIES);
  /**
   * Folder listings (full path → blob oid) by folder path and tree oid: listing the inventory
   * after a change reuses the listings of every folder it did not touch, and the entries
   * themselves are shared between listings.
   */
  private readonly listings = new EntryBoundedCache<readonly (readonly [string, string])[]>(TREE_CACHE_ENTRIES);

  constructor(private readonly objects: ObjectDb) {}

  /** A tree's entries, in Git's order. Callers must not modify the array. */
  async read(oid: string): Promise<readonly TreeItem[]> {
    const hit = this.parsed.get(oid);
    if (hit) return hit;
    const items = parseTree(await this.objects.read(oid));
    this.parsed.set(oid, items);
    return items;
  }

  /** Shallow: name → entry; a subtree is only expanded when a caller descends into it. */
  async entries(treeOid: string | null): Promise<Map<string, { oid: string; tree: boolean }>> {
    const out = new Map<string, { oid: string; tree: boolean }>();
    if (!treeOid) return out;
    for (const e of await this.read(treeOid)) out.set(e.path, { oid: e.oid, tree: e.tree });
    return out;
  }

  /** Every file of a tree, path → blob oid, in Git's order. */
  async list(treeOid: string | null): Promise<Map<string, string>> {
    return new Map(treeOid ? await this.listing(treeOid, "") : []);
  }

  private async listing(oid: string, prefix: string): Promise<readonly (readonly [string, string])[]> {
    const key = `${prefix}\0${oid}`;
    const hit = this.listings.get(key);
    if (hit) return hit;
    const out: (readonly [string, string])[] = [];
    for (const e of await this.read(oid)) {
      if (!e.tree) out.push([`${prefix}${e.path}`, e.oid]);
      else for (const entry of await this.listing(e.oid, `${prefix}${e.path}/`)) out.push(entry);
    }
    this.listings.set(key, out);
    return out;
  }

  async ofCommit(commitOid: string | null): Promise<string | null> {
    if (!commitOid) return null;
    // A commit starts with `tree <oid>\n`.
    const commit = await this.objects.read(commitOid);
    if (commit.toString("latin1", 0, 5) !== "tree ") throw new Error(`${commitOid} is not a commit`);
    return commit.toString("latin1", 5, 45);
  }

  /** The oid at `path` in a tree (a blob's, or a folder's), or null. */
  async at(treeOid: string, path: string): Promise<string | null> {
    let current: string | null = treeOid;
    for (const part of path.split("/")) {
      if (!current) return null;
      current = (await this.entries(current)).get(part)?.oid ?? null;
    }
    return current;
  }

  /**
   * Writes a tree of entries in Git's order (sortEntries) unless it is `orig` or known already,
   * and keeps it parsed. Returns its oid and whether it was written.
   */
  write(sorted: TreeEntry[], orig: string | null): { oid: string; written: boolean } {
    const content = treeContent(sorted);
    const oid = objectOid("tree", content);
    if (oid === orig || this.parsed.has(oid)) return { oid, written: false };
    this.objects.writeLoose("tree", content, oid);
    // What parseTree would read back from it.
    this.parsed.set(
      oid,
      sorted.map((e) => ({ path: e.path, oid: e.oid, tree: e.mode === "040000" })),
    );
    return { oid, written: true };
  }

  emptyTree(): string {
    const oid = objectOid("tree", Buffer.alloc(0));
    this.objects.writeLoose("tree", Buffer.alloc(0), oid);
    return oid;
  }
}
