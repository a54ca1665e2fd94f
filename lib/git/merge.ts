import { diff3, defaultIdentity, type Identity, type ObjectDiff } from "./diff";
import type { JsonObject } from "./objects";
import type { Author, GitStore } from "./store";

// Merging a branch into main, field by field (SPEC §5), in two phases for crash safety:
// prepareMerge writes the merged tree and a two-parent commit WITHOUT moving main and returns the
// per-object plan to apply to the database; the caller applies it (recording the merge commit in
// the same database transaction) and then advances main with advanceRef (compare-and-swap).
// After a crash in between, the database says whether the merge happened; if it did, main is
// rolled forward to the recorded commit.

export type ConflictPolicy = "abort" | "overwrite";

export interface PlanEntry {
  identity: string;
  action: "create" | "update" | "delete";
  /** Where the object ends up (create/update) or was (delete). */
  path: string;
  /** Main's path before the merge, when it had the object. */
  mainPath: string | null;
  /** The fields the branch changed, with their merged values (create: every field). */
  fields: JsonObject;
  before: JsonObject | null;
  after: JsonObject | null;
}

export interface PreparedMerge {
  diffs: ObjectDiff[];
  conflicts: ObjectDiff[];
  collisions: ObjectDiff[];
  plan: PlanEntry[];
  /** True when abort met conflicts or collisions: nothing to merge. */
  blocked: boolean;
  /** The merged tree's changes against main, for commitMerge. */
  put: Map<string, JsonObject>;
  remove: string[];
  /** The merge commit (not yet on main); null when blocked or when the commit was deferred. */
  mergeOid: string | null;
  mainOid: string;
  branchOid: string;
}

export async function prepareMerge(
  store: GitStore,
  opts: {
    base: string;
    branch: string;
    into?: string;
    policy: ConflictPolicy;
    message: string;
    author?: Author;
    identity?: Identity;
    /** false: only plan; the caller writes the commit with commitMerge (e.g. once created objects have ids). */
    commit?: boolean;
  },
): Promise<PreparedMerge> {
  const into = opts.into ?? "main";
  const mainOid = await store.resolve(into);
  const branchOid = await store.resolve(opts.branch);
  if (!mainOid || !branchOid) throw new Error(`cannot merge ${opts.branch} into ${into}: missing ref`);
  const diffs = await diff3(store, { base: opts.base, branch: branchOid, main: mainOid }, opts.identity ?? defaultIdentity);
  const conflicts = diffs.filter((d) => d.conflicts.length > 0);
  const collisions = diffs.filter((d) => d.collision !== null);
  if (opts.policy === "abort" && (conflicts.length || collisions.length)) {
    return { diffs, conflicts, collisions, plan: [], blocked: true, put: new Map(), remove: [], mergeOid: null, mainOid, branchOid };
  }
  const plan: PlanEntry[] = [];
  const put = new Map<string, JsonObject>();
  const remove: string[] = [];
  for (const d of diffs) {
    if (d.action === "delete") {
      if (d.main) {
        plan.push({ identity: d.identity, action: "delete", path: d.mainPath!, mainPath: d.mainPath, fields: {}, before: d.main, after: null });
        remove.push(d.mainPath!);
      }
      continue;
    }
    const branch = d.branch!;
    if (d.action === "create" && d.collision) {
      // Overwrite: the branch's object takes the place of main's same-named one (branch wins).
      const main = (await store.readObject(mainOid, d.collision.path)) ?? {};
      const after = { ...main, ...withoutId(branch), id: main.id ?? null };
      plan.push({ identity: d.collision.mainIdentity, action: "update", path: d.path, mainPath: d.collision.path, fields: withoutId(branch), before: main, after });
      put.set(d.path, after);
      continue;
    }
    if (d.action === "create" || !d.main) {
      // Created on the branch — or changed on the branch and deleted on main (overwrite: it returns).
      const after = d.action === "create" ? branch : { ...branch };
      plan.push({ identity: d.identity, action: "create", path: d.path, mainPath: null, fields: after, before: null, after });
      put.set(d.path, after);
      continue;
    }
    // Update: main's object with only the fields the branch changed (main's other edits are kept).
    const fields: JsonObject = {};
    for (const k of d.changedFields) fields[k] = branch[k];
    const after: JsonObject = { ...d.main, ...fields };
    for (const k of d.changedFields) if (!(k in branch)) delete after[k];
    plan.push({ identity: d.identity, action: "update", path: d.path, mainPath: d.mainPath, fields, before: d.main, after });
    if (d.mainPath && d.mainPath !== d.path) remove.push(d.mainPath);
    put.set(d.path, after);
  }
  const prepared: PreparedMerge = { diffs, conflicts, collisions, plan, blocked: false, put, remove, mergeOid: null, mainOid, branchOid };
  if (opts.commit === false) return prepared;
  return { ...prepared, mergeOid: await commitMerge(store, prepared, { into, message: opts.message, author: opts.author }) };
}

/**
 * Writes the two-parent merge commit of a prepared merge without moving the ref. `ids` gives the
 * ids objects created by the merge received (by path), so main records them as they are.
 */
export async function commitMerge(
  store: GitStore,
  prepared: PreparedMerge,
  opts: { into?: string; message: string; author?: Author; ids?: Map<string, number> },
): Promise<string> {
  const put = new Map(prepared.put);
  for (const [path, id] of opts.ids ?? []) {
    const obj = put.get(path);
    if (obj) put.set(path, { ...obj, id });
  }
  const { oid } = await store.writeSnapshot({
    ref: opts.into ?? "main",
    put,
    remove: prepared.remove,
    message: opts.message,
    author: opts.author,
    parents: [prepared.branchOid],
    detached: true,
  });
  return oid;
}

function withoutId(o: JsonObject): JsonObject {
  const { id: _id, ...rest } = o;
  return rest;
}
