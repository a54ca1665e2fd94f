import { sortKeys, type JsonObject } from "./objects";
import type { GitStore, SnapshotPreview } from "./store";

// The three-way, field-level diff of a branch against its base and the current main (SPEC §5,
// netbox-branching's ChangeDiff): what the branch changes, what main changed meanwhile, and where
// they conflict. Trees are compared by blob oid, so only changed objects are read.

export type Identity = (path: string, obj: JsonObject) => string;

/** Objects with a numeric `id` are the same object wherever their path (a rename moves it). */
export const defaultIdentity: Identity = (path, obj) => (typeof obj.id === "number" ? `${path.split("/")[0]}#${obj.id}` : `path:${path}`);

export interface ObjectDiff {
  identity: string;
  action: "create" | "update" | "delete";
  /** The branch's path (the base path for deletes). */
  path: string;
  basePath: string | null;
  mainPath: string | null;
  base: JsonObject | null;
  branch: JsonObject | null;
  main: JsonObject | null;
  /** Top-level fields the branch changed from the base. */
  changedFields: string[];
  /** Top-level fields main changed from the base. */
  mainChangedFields: string[];
  conflicts: string[];
  /** A branch-created object whose path main also has now (not a conflict; SPEC §5). */
  collision: { path: string; mainIdentity: string } | null;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function fieldChanges(a: JsonObject | null, b: JsonObject | null): string[] {
  const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
  return [...keys].filter((k) => !same(a?.[k], b?.[k])).sort();
}

interface Side {
  files: Map<string, string>;
  /** Objects read for paths that differ from the base, keyed by identity. */
  byIdentity: Map<string, { path: string; obj: JsonObject }>;
  changedPaths: Set<string>;
}

/** `main` is a ref, or a tree in memory (previewSnapshot: main as it would be, nothing written). */
export async function diff3(
  store: GitStore,
  refs: { base: string; branch: string; main: string | SnapshotPreview },
  identity: Identity = defaultIdentity,
): Promise<ObjectDiff[]> {
  const main = refs.main;
  const [baseFiles, branchFiles, mainFiles] = await Promise.all([store.listFiles(refs.base), store.listFiles(refs.branch), typeof main === "string" ? store.listFiles(main) : main.files]);
  const changed = (side: Map<string, string>) => {
    const out = new Set<string>();
    for (const [p, oid] of side) if (baseFiles.get(p) !== oid) out.add(p);
    for (const p of baseFiles.keys()) if (!side.has(p)) out.add(p);
    return out;
  };
  const changedB = changed(branchFiles);
  const changedM = changed(mainFiles);
  // Read only what differs: base versions of every changed path, branch and main versions of theirs.
  const wanted = new Set<string>();
  for (const p of [...changedB, ...changedM]) {
    const b = baseFiles.get(p);
    if (b) wanted.add(b);
  }
  for (const p of changedB) {
    const x = branchFiles.get(p);
    if (x) wanted.add(x);
    const m = mainFiles.get(p);
    if (m) wanted.add(m);
  }
  for (const p of changedM) {
    const m = mainFiles.get(p);
    if (m) wanted.add(m);
  }
  const inMemory = typeof main === "string" ? null : main.objects;
  const blobs = await store.readBlobs([...wanted].filter((oid) => !inMemory?.has(oid)));
  // Objects in memory are compared as their blobs would read back (fields compare as JSON text).
  for (const oid of wanted) if (inMemory?.has(oid)) blobs.set(oid, sortKeys(inMemory.get(oid)) as JsonObject);
  const side = (files: Map<string, string>, changedPaths: Set<string>): Side => {
    const byIdentity = new Map<string, { path: string; obj: JsonObject }>();
    for (const p of changedPaths) {
      const oid = files.get(p);
      if (oid) byIdentity.set(identity(p, blobs.get(oid)!), { path: p, obj: blobs.get(oid)! });
    }
    return { files, byIdentity, changedPaths };
  };
  const B = side(branchFiles, changedB);
  const M = side(mainFiles, changedM);
  const baseObjs = new Map<string, { path: string; obj: JsonObject }>();
  for (const p of new Set([...changedB, ...changedM])) {
    const oid = baseFiles.get(p);
    if (oid) baseObjs.set(identity(p, blobs.get(oid)!), { path: p, obj: blobs.get(oid)! });
  }
  /** An identity's version on a side: unchanged from the base unless its base path changed there. */
  const version = (s: Side, id: string, base: { path: string; obj: JsonObject } | undefined) => {
    const moved = s.byIdentity.get(id);
    if (moved) return moved;
    if (base && !s.changedPaths.has(base.path)) return base;
    return null;
  };
  // Main's object at a path, whatever its identity (for collisions).
  const mainAt = (p: string): { identity: string; obj: JsonObject } | null => {
    const oid = mainFiles.get(p);
    if (!oid) return null;
    const obj = blobs.get(oid) ?? null;
    return obj ? { identity: identity(p, obj), obj } : null;
  };

  const diffs: ObjectDiff[] = [];
  const ids = new Set([...B.byIdentity.keys(), ...[...baseObjs].filter(([, v]) => changedB.has(v.path)).map(([k]) => k)]);
  for (const id of ids) {
    const base = baseObjs.get(id);
    const br = version(B, id, base);
    if (same(base?.obj ?? null, br?.obj ?? null) && base?.path === br?.path) continue;
    const mn = version(M, id, base);
    const baseObj = base?.obj ?? null;
    const branchObj = br?.obj ?? null;
    const mainObj = mn?.obj ?? null;
    const changedFields = fieldChanges(baseObj, branchObj);
    const mainChangedFields = base ? fieldChanges(baseObj, mainObj) : [];
    let action: ObjectDiff["action"];
    let conflicts: string[] = [];
    let collision: ObjectDiff["collision"] = null;
    if (!baseObj) {
      action = "create";
      const there = mainAt(br!.path);
      if (there && there.identity !== id) collision = { path: br!.path, mainIdentity: there.identity };
    } else if (branchObj) {
      action = "update";
      if (!mainObj) conflicts = changedFields; // main deleted what the branch changed
      else conflicts = changedFields.filter((k) => !same(baseObj[k], mainObj[k]) && !same(branchObj[k], mainObj[k]));
    } else {
      action = "delete";
      if (mainObj) conflicts = mainChangedFields; // the branch deleted what main changed
    }
    diffs.push({
      identity: id,
      action,
      path: br?.path ?? base!.path,
      basePath: base?.path ?? null,
      mainPath: mn?.path ?? null,
      base: baseObj,
      branch: branchObj,
      main: mainObj,
      changedFields,
      mainChangedFields,
      conflicts,
      collision,
    });
  }
  return diffs.sort((a, b) => a.path.localeCompare(b.path));
}
