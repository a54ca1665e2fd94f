import fs from "node:fs";
import git from "isomorphic-git";
import type { ObjectDb } from "./object-db";
import type { JsonObject } from "./objects";
import type { Refs } from "./refs";
import type { Trees } from "./trees";

// Reading history: logs and ancestry through isomorphic-git, and one object's history on a
// branch, followed across renames.

export interface LogEntry {
  oid: string;
  message: string;
  time: Date;
  author: string;
  parents: string[];
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

/** Commits an object's history walks at most, whatever it finds. */
const HISTORY_SCAN_MAX = 5000;

export class CommitHistory {
  constructor(
    private readonly objects: ObjectDb,
    private readonly trees: Trees,
    private readonly refs: Refs,
  ) {}

  async isAncestor(oid: string, ofRef: string): Promise<boolean> {
    const tip = await this.refs.resolve(ofRef);
    if (!tip) return false;
    if (tip === oid) return true;
    return git.isDescendent({ fs, gitdir: this.objects.gitdir, oid: tip, ancestor: oid, depth: -1, cache: this.objects.gitCache });
  }

  async log(ref: string, limit = 50): Promise<LogEntry[]> {
    const oid = await this.refs.resolve(ref);
    if (!oid) return [];
    const entries = await git.log({ fs, gitdir: this.objects.gitdir, ref: oid, depth: limit, cache: this.objects.gitCache });
    return entries.map((e) => ({
      oid: e.oid,
      message: e.commit.message.trim(),
      time: new Date(e.commit.committer.timestamp * 1000),
      author: e.commit.author.name,
      parents: e.commit.parent,
    }));
  }

  /**
   * One object's history on `ref` (first parent), newest first: the commits that created,
   * changed, renamed or deleted it. The object is followed across renames and moves (a file
   * that appears where another with the same `id` disappeared, in the same top-level folder),
   * and the walk stops at its creation.
   */
  async of(path: string, opts: { ref?: string; limit?: number } = {}): Promise<HistoryEntry[]> {
    const out: HistoryEntry[] = [];
    let oid = await this.refs.resolve(opts.ref ?? "main");
    const limit = opts.limit ?? 50;
    let at = path;
    let scanned = 0;
    while (oid && out.length < limit && scanned < HISTORY_SCAN_MAX) {
      scanned++;
      const { commit } = await git.readCommit({ fs, gitdir: this.objects.gitdir, oid, cache: this.objects.gitCache });
      const parent = commit.parent[0] ?? null;
      const parentTree = parent ? await this.trees.ofCommit(parent) : null;
      const mine = await this.trees.at(commit.tree, at);
      const theirs = parentTree ? await this.trees.at(parentTree, at) : null;
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
        const data = mine ? (await this.objects.readJson([mine])).get(mine)! : null;
        if (mine && !theirs) {
          // Appeared here: created, or renamed / moved from a path this commit removed.
          const from = parentTree ? await this.formerPath(parentTree, commit.tree, at, data?.id) : null;
          out.push(entry(from ? "renamed" : "created", data, from));
          if (!from) break;
          at = from;
        } else out.push(entry(mine ? "modified" : "deleted", data));
      }
      oid = parent;
    }
    return out;
  }

  /**
   * The path in `before` of the object with `id` that `after` no longer has there (a rename or
   * a move of its folder), searched among the files removed under the same top-level folder.
   */
  private async formerPath(before: string, after: string, path: string, id: unknown): Promise<string | null> {
    if (typeof id !== "number") return null;
    const top = path.split("/")[0]!;
    const [was, is] = await Promise.all([this.folderOf(before, top), this.folderOf(after, top)]);
    if (!was) return null;
    const removed = (await this.removedFiles(was, is, `${top}/`)).filter(([p]) => p !== path);
    const blobs = await this.objects.readJson(removed.map(([, o]) => o));
    return removed.find(([, o]) => blobs.get(o)?.id === id)?.[0] ?? null;
  }

  private async folderOf(treeOid: string, name: string): Promise<string | null> {
    const e = (await this.trees.entries(treeOid)).get(name);
    return e?.tree ? e.oid : null;
  }

  /** Files of tree `was` that tree `is` lacks or holds elsewhere (equal subtrees are skipped). */
  private async removedFiles(was: string, is: string | null, prefix: string): Promise<[string, string][]> {
    if (was === is) return [];
    const [a, b] = await Promise.all([this.trees.entries(was), this.trees.entries(is)]);
    const out: [string, string][] = [];
    for (const [name, e] of a) {
      const other = b.get(name);
      if (other?.oid === e.oid) continue;
      if (e.tree) out.push(...(await this.removedFiles(e.oid, other?.tree ? other.oid : null, `${prefix}${name}/`)));
      else if (!other || other.tree) out.push([`${prefix}${name}`, e.oid]);
    }
    return out;
  }
}
