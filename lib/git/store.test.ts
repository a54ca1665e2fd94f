import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { diff3, openGitStore, prepareMerge, serializeObject, type GitStore, type JsonObject } from ".";

const dirs: string[] = [];
async function store(): Promise<GitStore> {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "nbpdm-git-"));
  dirs.push(d);
  return openGitStore(path.join(d, "inventory.git"));
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const remote = (id: number | null, name: string, extra: JsonObject = {}): JsonObject => ({ id, name, remote_type: "pve", version: "9.0.1", nodes: [], description: "", ...extra });
const p = (name: string) => `pdm-remotes/pdm1/${name}.json`;

async function seed(s: GitStore, objects: Record<string, JsonObject>, ref = "main", message = "seed") {
  return s.writeSnapshot({ ref, objects: new Map(Object.entries(objects)), message });
}

describe("snapshots", () => {
  it("are canonical, idempotent and incremental", async () => {
    const s = await store();
    expect(serializeObject({ b: 1, a: { d: 2, c: [{ z: 1, y: 2 }] } })).toBe('{\n  "a": {\n    "c": [\n      {\n        "y": 2,\n        "z": 1\n      }\n    ],\n    "d": 2\n  },\n  "b": 1\n}\n');
    const objects: Record<string, JsonObject> = {};
    for (let e = 0; e < 3; e++) for (let i = 0; i < 20; i++) objects[`pdm-remotes/pdm${e}/r${i}.json`] = remote(e * 100 + i, `r${i}`);
    const first = await seed(s, objects);
    expect(first).toMatchObject({ changed: true, blobsWritten: 60 });
    const again = await seed(s, objects);
    expect(again).toMatchObject({ oid: first.oid, changed: false, blobsWritten: 0, treesWritten: 0, added: [], modified: [], removed: [] });
    const before = await s.listFiles("main");
    objects["pdm-remotes/pdm1/r3.json"] = remote(103, "r3", { version: "9.0.2" });
    const third = await seed(s, objects, "main", "bump r3");
    // One blob, one endpoint folder, pdm-remotes, the root: the rest keeps its oids.
    expect(third).toMatchObject({ changed: true, blobsWritten: 1, treesWritten: 3 });
    const after = await s.listFiles("main");
    const differing = [...after].filter(([k, v]) => before.get(k) !== v).map(([k]) => k);
    expect(differing).toEqual(["pdm-remotes/pdm1/r3.json"]);
    expect(await s.readObject("main", "pdm-remotes/pdm1/r3.json")).toMatchObject({ version: "9.0.2" });
  });

  it("refuse secrets", async () => {
    const s = await store();
    await expect(seed(s, { "pdm-endpoints/x.json": { name: "x", token_secret: "nope" } })).rejects.toThrow(/secret/);
    await expect(seed(s, { "pdm-endpoints/x.json": { name: "x", nested: { proxbox_api_key: "" } } })).rejects.toThrow(/secret/);
  });

  it("keep each object's history", async () => {
    const s = await store();
    await seed(s, { [p("a")]: remote(1, "a") }, "main", "one");
    await seed(s, { [p("a")]: remote(1, "a"), [p("b")]: remote(2, "b") }, "main", "two");
    await seed(s, { [p("a")]: remote(1, "a", { version: "9.1" }), [p("b")]: remote(2, "b") }, "main", "three");
    const h = await s.history(p("a"));
    expect(h.map((e) => e.message)).toEqual(["three", "one"]);
    expect(h.map((e) => e.kind)).toEqual(["modified", "created"]);
    expect(h[0]!.data).toMatchObject({ version: "9.1" });
  });

  it("follow an object across renames and folder moves, to its creation", async () => {
    const s = await store();
    const q = (ep: string, name: string) => `pdm-remotes/${ep}/${name}.json`;
    await seed(s, { [q("e1", "a")]: remote(1, "a"), [q("e1", "b")]: remote(2, "b") }, "main", "created");
    await seed(s, { [q("e1", "a2")]: remote(1, "a2"), [q("e1", "b")]: remote(2, "b") }, "main", "renamed");
    await seed(s, { [q("e1", "a2")]: remote(1, "a2", { version: "9.1" }), [q("e1", "b")]: remote(2, "b") }, "main", "edited");
    await seed(s, { [q("e2", "a2")]: remote(1, "a2", { version: "9.1" }), [q("e2", "b")]: remote(2, "b") }, "main", "endpoint renamed");
    // A different object that later takes a freed name is not the same object.
    await seed(s, { [q("e2", "a2")]: remote(1, "a2", { version: "9.1" }), [q("e2", "b")]: remote(2, "b"), [q("e2", "a")]: remote(3, "a") }, "main", "new a");
    const h = await s.history(q("e2", "a2"));
    expect(h.map((e) => [e.message, e.kind, e.path, e.from])).toEqual([
      ["endpoint renamed", "renamed", q("e2", "a2"), q("e1", "a2")],
      ["edited", "modified", q("e1", "a2"), null],
      ["renamed", "renamed", q("e1", "a2"), q("e1", "a")],
      ["created", "created", q("e1", "a"), null],
    ]);
    expect((await s.history(q("e2", "a"))).map((e) => [e.message, e.kind])).toEqual([["new a", "created"]]);
    // A deleted object's path: its delete, then its life before.
    await seed(s, { [q("e2", "a")]: remote(3, "a") }, "main", "b and a2 gone");
    expect((await s.history(q("e2", "b"))).map((e) => e.kind)).toEqual(["deleted", "renamed", "created"]);
  });
});

describe("previewSnapshot", () => {
  it("is the tree writeSnapshot would make, in memory: nothing is written, and diff3 reads it as it would the ref", async () => {
    const s = await store();
    const nodes = [{ host: "h", port: 8006 }];
    const base = await seed(s, { [p("a")]: remote(1, "a", { nodes }), [p("b")]: remote(2, "b"), [p("c")]: remote(3, "c") });
    await s.createBranch("run", "main");
    await s.writeSnapshot({ ref: "run", put: new Map([[p("a"), remote(1, "a", { nodes, version: "9.1" })]]), message: "run" });
    // Keys in another order than the blob's (a database row's jsonb): the same value.
    const changes = { ref: "main", put: new Map([[p("a"), remote(1, "a", { nodes: [{ port: 8006, host: "h" }], version: "edited" })], [p("d"), remote(4, "d")]]), remove: [p("c")] };
    const objectsBefore = execFileSync("git", ["--git-dir", s.dir, "count-objects", "-v"]).toString();
    const preview = await s.previewSnapshot(changes);
    expect(await s.resolve("main")).toBe(base.oid);
    expect(execFileSync("git", ["--git-dir", s.dir, "count-objects", "-v"]).toString()).toBe(objectsBefore);
    const inMemory = await diff3(s, { base: base.oid, branch: "run", main: preview });
    const full = await s.previewSnapshot({ ref: "main", objects: await s.readSnapshot("main") });
    expect(full.files).toEqual(await s.listFiles("main"));
    const written = await s.writeSnapshot({ ...changes, message: "edits" });
    expect(preview.files).toEqual(await s.listFiles(written.oid));
    expect(inMemory).toEqual(await diff3(s, { base: base.oid, branch: "run", main: "main" }));
    expect(inMemory.map((d) => [d.path, d.mainChangedFields, d.conflicts])).toEqual([[p("a"), ["version"], ["version"]]]);
  });
});

describe("prestaged blobs", () => {
  it("are written ahead, not again by the snapshot, which equals one made without them", async () => {
    const objects: Record<string, JsonObject> = {};
    for (let i = 0; i < 900; i++) objects[`pdm-remotes/pdm${i % 3}/r${i}.json`] = remote(i + 1, `r${i}`, { version: `9.0.${i % 7}` });
    const plain = await store();
    const reference = await seed(plain, objects);

    const s = await store();
    // Two endpoints' remotes ahead of the commit (one uncompressed pack); one object then changes.
    const ahead = new Map(Object.entries(objects).filter(([k]) => !k.startsWith("pdm-remotes/pdm2/")));
    const staged = await s.prestage(ahead);
    expect(staged.written).toBe(600);
    expect(staged.oids.size).toBe(600);
    expect(fs.readdirSync(path.join(s.dir, "objects", "pack")).filter((f) => f.endsWith(".pack"))).toHaveLength(1);
    expect((await s.prestage(ahead)).written).toBe(0); // nothing new the second time
    const changed = { ...objects, "pdm-remotes/pdm0/r0.json": { ...objects["pdm-remotes/pdm0/r0.json"]!, version: "9.9.9" } };
    const snap = await seed(s, changed);
    expect(snap.blobsWritten).toBe(301); // pdm2's 300 and the changed one
    const back = await s.readSnapshot("main");
    expect(back.size).toBe(900);
    for (const [k, o] of Object.entries(changed)) expect(back.get(k)).toEqual(o);
    // Without the change the tree is exactly the plain store's.
    const same = await seed(s, objects);
    expect(await s.listFiles(same.oid)).toEqual(await plain.listFiles(reference.oid));
    execFileSync("git", ["--git-dir", s.dir, "fsck", "--strict", "--full"], { stdio: "pipe" });
  });

  it("can be put by oid: the same tree as putting the objects, and only prestaged oids are taken", async () => {
    const objects: Record<string, JsonObject> = {};
    for (let i = 0; i < 200; i++) objects[`pdm-remotes/pdm${i % 2}/r${i}.json`] = remote(i + 1, `r${i}`);
    const plain = await store();
    const reference = await seed(plain, objects);

    const s = await store();
    await seed(s, { "pdm-endpoints/pdm0.json": { id: 1, name: "pdm0" } });
    const ahead = new Map(Object.entries(objects).filter(([k]) => k.startsWith("pdm-remotes/pdm0/")));
    const { oids } = await s.prestage(ahead);
    const rest = new Map(Object.entries(objects).filter(([k]) => !ahead.has(k)));
    const snap = await s.writeSnapshot({ ref: "main", put: rest, putBlobs: oids, remove: ["pdm-endpoints/pdm0.json"], message: "by oid" });
    expect(snap).toMatchObject({ changed: true, blobsWritten: 100, removed: ["pdm-endpoints/pdm0.json"] });
    expect(snap.added).toHaveLength(200);
    expect(await s.listFiles(snap.oid)).toEqual(await plain.listFiles(reference.oid));
    execFileSync("git", ["--git-dir", s.dir, "fsck", "--strict", "--full"], { stdio: "pipe" });
    // An oid the store did not prestage is refused (it may not exist): nothing is committed.
    const unknown = new Map([["pdm-remotes/pdm9/x.json", "0".repeat(40)]]);
    await expect(s.writeSnapshot({ ref: "main", putBlobs: unknown, message: "bad" })).rejects.toThrow(/not prestaged/);
    expect(await s.resolve("main")).toBe(snap.oid);
  });
});

describe("packs", () => {
  it("write a large snapshot as one pack that git, isomorphic-git and this store all read", async () => {
    const s = await store();
    const objects: Record<string, JsonObject> = {};
    for (let i = 0; i < 700; i++) objects[`pdm-remotes/pdm${i % 7}/r${i}.json`] = remote(i + 1, `r${i}`, { version: `9.0.${i % 13}`, nodes: [{ host: `10.0.${i >> 8}.${i & 255}`, port: 8006, fingerprint: null }] });
    const first = await seed(s, objects);
    expect(first.blobsWritten).toBe(700);
    const packDir = path.join(s.dir, "objects", "pack");
    expect(fs.readdirSync(packDir).filter((f) => f.endsWith(".pack"))).toHaveLength(1);
    expect(fs.readdirSync(packDir).some((f) => f.startsWith("tmp_"))).toBe(false);
    // Every object reads back exactly, through the store and through native git.
    const back = await s.readSnapshot("main");
    expect(back.size).toBe(700);
    for (const [p2, o] of Object.entries(objects)) expect(back.get(p2)).toEqual(o);
    execFileSync("git", ["--git-dir", s.dir, "fsck", "--strict", "--full"], { stdio: "pipe" });
    expect(execFileSync("git", ["--git-dir", s.dir, "show", "main:pdm-remotes/pdm3/r10.json"], { encoding: "utf8" })).toBe(serializeObject(objects["pdm-remotes/pdm3/r10.json"]!));
    // Small changes on top stay loose; diffs and merges mix both.
    objects["pdm-remotes/pdm3/r10.json"] = { ...objects["pdm-remotes/pdm3/r10.json"]!, version: "9.9.9" };
    const second = await seed(s, objects);
    expect(second).toMatchObject({ changed: true, blobsWritten: 1, modified: ["pdm-remotes/pdm3/r10.json"] });
    const diffs = await diff3(s, { base: first.oid, branch: second.oid, main: first.oid });
    expect(diffs.map((d) => [d.action, d.changedFields])).toEqual([["update", ["version"]]]);
    execFileSync("git", ["--git-dir", s.dir, "fsck", "--strict"], { stdio: "pipe" });
    // A fresh process reads the packs too; so it does after a native `git gc` (deltas included).
    const again = await openGitStore(s.dir);
    expect((await again.readSnapshot("main")).get("pdm-remotes/pdm3/r10.json")).toMatchObject({ version: "9.9.9" });
    execFileSync("git", ["--git-dir", s.dir, "gc", "--aggressive", "--prune=now", "-q"], { stdio: "pipe" });
    const afterGc = await openGitStore(s.dir);
    const all = await afterGc.readSnapshot("main");
    expect(all.size).toBe(700);
    for (const [p2, o] of Object.entries(objects)) expect(all.get(p2)).toEqual(o);
  });
});

describe("three-way diff and merge (SPEC §5 conflict rule)", () => {
  async function scenario(base: Record<string, JsonObject>, branch: Record<string, JsonObject>, main: Record<string, JsonObject>) {
    const s = await store();
    const b = await seed(s, base, "main", "base");
    await s.createBranch("sync-1", "main");
    await seed(s, branch, "sync-1", "branch");
    await seed(s, main, "main", "main edits");
    return { s, base: b.oid };
  }

  it("both changed the same field differently: conflict; to the same value: none", async () => {
    const { s, base } = await scenario({ [p("a")]: remote(1, "a") }, { [p("a")]: remote(1, "a", { version: "9.2", description: "same" }) }, { [p("a")]: remote(1, "a", { version: "9.3", description: "same" }) });
    const [d] = await diff3(s, { base, branch: "sync-1", main: "main" });
    expect(d).toMatchObject({ action: "update", changedFields: ["description", "version"], conflicts: ["version"] });
  });

  it("branch changed what main deleted: every changed field conflicts", async () => {
    const { s, base } = await scenario({ [p("a")]: remote(1, "a") }, { [p("a")]: remote(1, "a", { version: "9.2" }) }, {});
    const [d] = await diff3(s, { base, branch: "sync-1", main: "main" });
    expect(d).toMatchObject({ action: "update", main: null, conflicts: ["version"] });
  });

  it("branch deleted what main changed: main's changed fields conflict; both deleted: none", async () => {
    const { s, base } = await scenario({ [p("a")]: remote(1, "a"), [p("b")]: remote(2, "b") }, {}, { [p("a")]: remote(1, "a", { description: "edited" }) });
    const diffs = await diff3(s, { base, branch: "sync-1", main: "main" });
    expect(diffs.find((d) => d.path === p("a"))).toMatchObject({ action: "delete", conflicts: ["description"] });
    expect(diffs.find((d) => d.path === p("b"))).toMatchObject({ action: "delete", conflicts: [] });
  });

  it("branch-created objects never conflict; the same name on main is a collision", async () => {
    const { s, base } = await scenario({}, { [p("new")]: remote(null, "new"), [p("other")]: remote(null, "other") }, { [p("new")]: remote(7, "new") });
    const diffs = await diff3(s, { base, branch: "sync-1", main: "main" });
    expect(diffs.find((d) => d.path === p("new"))).toMatchObject({ action: "create", conflicts: [], collision: { path: p("new"), mainIdentity: "pdm-remotes#7" } });
    expect(diffs.find((d) => d.path === p("other"))).toMatchObject({ action: "create", conflicts: [], collision: null });
  });

  it("a rename on the branch (same id, new path) is one update of `name`", async () => {
    const { s, base } = await scenario({ [p("old")]: remote(1, "old") }, { [p("new")]: remote(1, "new") }, { [p("old")]: remote(1, "old") });
    const diffs = await diff3(s, { base, branch: "sync-1", main: "main" });
    expect(diffs).toHaveLength(1);
    expect(diffs[0]).toMatchObject({ action: "update", path: p("new"), basePath: p("old"), changedFields: ["name"], conflicts: [] });
  });

  it("merge applies only the branch's fields, keeping main's unrelated edits; two parents", async () => {
    const { s, base } = await scenario(
      { [p("a")]: remote(1, "a"), [p("b")]: remote(2, "b") },
      { [p("a")]: remote(1, "a", { version: "9.2" }), [p("b")]: remote(2, "b"), [p("c")]: remote(null, "c") },
      { [p("a")]: remote(1, "a", { description: "main's note" }), [p("b")]: remote(2, "b") },
    );
    const mainBefore = await s.resolve("main");
    const m = await prepareMerge(s, { base, branch: "sync-1", policy: "abort", message: "merge" });
    expect(m.conflicts).toEqual([]);
    expect(await s.resolve("main")).toBe(mainBefore); // not moved yet
    expect(m.plan.map((e) => [e.action, e.path])).toEqual([
      ["update", p("a")],
      ["create", p("c")],
    ]);
    expect(m.plan[0]!.fields).toEqual({ version: "9.2" });
    await s.advanceRef("main", m.mergeOid!, mainBefore);
    expect(await s.readObject("main", p("a"))).toMatchObject({ version: "9.2", description: "main's note" });
    expect((await s.log("main", 1))[0]!.parents).toHaveLength(2);
    await expect(s.advanceRef("main", m.mergeOid!, mainBefore)).rejects.toThrow(/moved/);
  });

  it("moves refs by compare-and-swap under Git's lock file, so concurrent writers never lose a commit", async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "nbpdm-git-"));
    dirs.push(d);
    const gitdir = path.join(d, "inventory.git");
    const [a, b] = [await openGitStore(gitdir), await openGitStore(gitdir)];
    await seed(a, { [p("x")]: remote(1, "x") });
    const tip = await a.resolve("main");
    // Another writer holds main's lock (as native git or a second process would): no overwrite.
    fs.writeFileSync(path.join(gitdir, "refs", "heads", "main.lock"), "");
    await expect(seed(b, { [p("x")]: remote(1, "x", { version: "9.9" }) })).rejects.toThrow(/locked by another writer/);
    fs.rmSync(path.join(gitdir, "refs", "heads", "main.lock"));
    expect(await a.resolve("main")).toBe(tip);
    // A writer whose view is stale fails instead of discarding the other's commit.
    await seed(a, { [p("x")]: remote(1, "x", { version: "9.1" }) });
    await expect(b.advanceRef("main", tip!, tip)).rejects.toThrow(/moved/);
    expect(await b.readObject("main", p("x"))).toMatchObject({ version: "9.1" });
    expect(fs.existsSync(path.join(gitdir, "refs", "heads", "main.lock"))).toBe(false);
  });

  it("abort leaves no commit on conflicts; overwrite lets the branch win", async () => {
    const { s, base } = await scenario({ [p("a")]: remote(1, "a") }, { [p("a")]: remote(1, "a", { version: "branch" }) }, { [p("a")]: remote(1, "a", { version: "main" }) });
    const aborted = await prepareMerge(s, { base, branch: "sync-1", policy: "abort", message: "m" });
    expect(aborted.mergeOid).toBeNull();
    expect(aborted.conflicts).toHaveLength(1);
    const forced = await prepareMerge(s, { base, branch: "sync-1", policy: "overwrite", message: "m" });
    await s.advanceRef("main", forced.mergeOid!, forced.mainOid);
    expect(await s.readObject("main", p("a"))).toMatchObject({ version: "branch" });
  });

  it("stays a valid repository for native git", async () => {
    const { s, base } = await scenario({ [p("a")]: remote(1, "a") }, { [p("a")]: remote(1, "a", { version: "9.9" }) }, { [p("b")]: remote(2, "b"), [p("a")]: remote(1, "a") });
    const m = await prepareMerge(s, { base, branch: "sync-1", policy: "abort", message: "merge sync-1" });
    await s.advanceRef("main", m.mergeOid!, m.mainOid);
    execFileSync("git", ["--git-dir", s.dir, "fsck", "--strict"], { stdio: "pipe" });
    const log = execFileSync("git", ["--git-dir", s.dir, "log", "--oneline", "main"], { encoding: "utf8" });
    expect(log).toContain("merge sync-1");
    expect(execFileSync("git", ["--git-dir", s.dir, "show", `main:${p("a")}`], { encoding: "utf8" })).toBe(serializeObject(remote(1, "a", { version: "9.9" })));
  });
});
