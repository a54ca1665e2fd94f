import { sortEntries, type TreeEntry } from "./objects";
import type { Trees } from "./trees";

// One snapshot's edit of a tree: files set or removed by path. Only the folders on the edited
// paths are read, only those are marked for rehashing when something actually changes, and only
// the folders that come out new are written; unchanged folders keep their tree oids.

/** A folder being edited: its children are read only when a path descends into it. */
interface EditNode {
  /** The tree oid it had (null: new). */
  orig: string | null;
  children: Map<string, string | EditNode> | null;
  dirty: boolean;
}

export class TreeEdit {
  private readonly root: EditNode;
  /** Each affected path's oid before the edit (first touch wins), for added / modified / removed. */
  private readonly touched = new Map<string, string | null>();

  constructor(
    private readonly trees: Trees,
    /** The tree edited (null: none yet). */
    readonly orig: string | null,
  ) {
    this.root = { orig, children: null, dirty: false };
  }

  has(path: string): boolean {
    return this.touched.has(path);
  }

  /**
   * Sets (oid) or removes (null) one file and returns its previous oid. A promise only when
   * folders on the path must be read first: the common case (in memory already) stays synchronous.
   */
  set(path: string, oid: string | null): string | undefined | Promise<string | undefined> {
    const parts = path.split("/");
    if (!this.needsLoad(parts)) return this.setLoaded(parts, path, oid);
    return this.loadFor(parts).then(() => this.setLoaded(parts, path, oid));
  }

  /** The paths the edit added, modified and removed, sorted (UTF-16 code units, as `<` compares). */
  changes(): { added: string[]; modified: string[]; removed: string[] } {
    const added: string[] = [];
    const modified: string[] = [];
    const removed: string[] = [];
    for (const path of [...this.touched.keys()].sort()) {
      const was = this.touched.get(path) ?? null;
      const is = this.currentAt(path) ?? null;
      if (was === null && is !== null) added.push(path);
      else if (was !== null && is === null) removed.push(path);
      else if (was !== null && is !== was) modified.push(path);
    }
    return { added, modified, removed };
  }

  /** Hashes the changed folders bottom-up and writes those that are new; null for an empty tree. */
  async write(): Promise<{ oid: string | null; treesWritten: number }> {
    const stats = { trees: 0 };
    const oid = await this.writeNode(this.root, stats);
    return { oid, treesWritten: stats.trees };
  }

  private async writeNode(node: EditNode, stats: { trees: number }): Promise<string | null> {
    if (!node.dirty) return node.orig;
    const entries: TreeEntry[] = [];
    for (const [name, v] of node.children!) {
      if (typeof v === "string") entries.push({ mode: "100644", path: name, oid: v });
      else {
        const sub = await this.writeNode(v, stats);
        if (sub) entries.push({ mode: "040000", path: name, oid: sub });
      }
    }
    if (!entries.length) return null;
    const { oid, written } = this.trees.write(sortEntries(entries), node.orig);
    if (written) stats.trees++;
    return oid;
  }

  private async load(n: EditNode): Promise<void> {
    if (n.children) return;
    const items = n.orig ? await this.trees.read(n.orig) : [];
    if (n.children) return; // loaded meanwhile
    n.children = new Map();
    for (const e of items) n.children.set(e.path, e.tree ? { orig: e.oid, children: null, dirty: false } : e.oid);
  }

  private async loadAll(n: EditNode): Promise<void> {
    await this.load(n);
    for (const v of n.children!.values()) if (typeof v === "object") await this.loadAll(v);
  }

  private loadedAll(n: EditNode): boolean {
    return !!n.children && [...n.children.values()].every((v) => typeof v === "string" || this.loadedAll(v));
  }

  /** Whether an edit of `parts` must read folders first: those on its path, all of a folder it replaces. */
  private needsLoad(parts: string[]): boolean {
    let node = this.root;
    for (let i = 0; i < parts.length - 1; i++) {
      if (!node.children) return true;
      const next = node.children.get(parts[i]!);
      if (typeof next !== "object") return false;
      node = next;
    }
    if (!node.children) return true;
    const prev = node.children.get(parts[parts.length - 1]!);
    return typeof prev === "object" && !this.loadedAll(prev);
  }

  private async loadFor(parts: string[]): Promise<void> {
    let node = this.root;
    for (let i = 0; i < parts.length - 1; i++) {
      await this.load(node);
      const next = node.children!.get(parts[i]!);
      if (typeof next !== "object") return;
      node = next;
    }
    await this.load(node);
    const prev = node.children!.get(parts[parts.length - 1]!);
    if (typeof prev === "object") await this.loadAll(prev);
  }

  /** Every file under a (loaded) folder, for a folder a file replaces. */
  private filesUnder(n: EditNode, prefix: string, out: Map<string, string>): void {
    for (const [k, v] of n.children!) {
      if (typeof v === "string") out.set(`${prefix}${k}`, v);
      else this.filesUnder(v, `${prefix}${k}/`, out);
    }
  }

  private setLoaded(parts: string[], path: string, oid: string | null): string | undefined {
    const touched = this.touched;
    const chain: EditNode[] = [this.root];
    let node = this.root;
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
      this.filesUnder(prev, `${path}/`, gone);
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
  private currentAt(path: string): string | undefined {
    let node: string | EditNode | undefined = this.root;
    for (const part of path.split("/")) {
      if (typeof node !== "object" || !node.children) return undefined;
      node = node.children.get(part);
    }
    return typeof node === "string" ? node : undefined;
  }
}
