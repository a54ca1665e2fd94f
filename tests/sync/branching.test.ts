import { execFileSync } from "node:child_process";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterEach, beforeAll, expect, it } from "vitest";
import { provideDatabase } from "@/db";
import { branches, pdmRemotes } from "@/db/schema";
import { getEnv } from "@/env";
import { branchDiff, getBranch, listBranches, mergeBranch, mergeOpenBranch, discardBranch, setMergeFaultForTests } from "@/lib/services/branches";
import { commitInventoryToMain, objectHistory, recoverMerges } from "@/lib/services/branches/main-line";
import { inventoryObjects, inventoryStore, remotePath, withGitLock } from "@/lib/services/branches/snapshot";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";
import { pdmRemoteService } from "@/lib/services/pdm-remotes";
import { updateSettings } from "@/lib/services/settings";
import { getSyncRun } from "@/lib/services/sync-runs";
import { expectRecordTrue } from "@/tests/record";
import { ctxFor, describeEachDb, type TestDb } from "@/tests/db";
import { endpointFor, runSyncSteps, simulatorPool } from "@/tests/sync-kit";

// SPEC §5 end to end: sync runs as Git branches, merged or left open, reviewed, merged later.

const sims = simulatorPool(300, "b");

describeEachDb("branching", (get) => {
  let db: TestDb;
  beforeAll(() => {
    db = get();
    provideDatabase(db.handle);
  });
  // Every scenario leaves a record that replays to the database, and Git main that agrees with it.
  afterEach(() => expectRecordTrue(db));

  async function setup(remotes = 8) {
    const sim = await sims.start(remotes);
    return { sim, ep: await endpointFor(db, sim) };
  }

  /** Runs a sync; `beforeMerge` runs just before the merge step, like an edit made during the run. */
  async function sync(endpoint: number, beforeMerge?: () => Promise<unknown>, before: Record<string, () => Promise<unknown>> = {}) {
    return getSyncRun(ctxFor(db), await runSyncSteps(db, [endpoint], { ...before, ...(beforeMerge ? { "merge-branch": beforeMerge } : {}) }));
  }

  const settings = (v: Record<string, unknown>) => updateSettings(ctxFor(db), v, { partial: true });
  const remoteRow = async (endpoint: number, name: string) =>
    (await db.handle.db.select().from(pdmRemotes).where(eq(pdmRemotes.pdmEndpointId, endpoint))).find((r) => r.name === name)!;

  it("without branching, every applied run and the edits between runs are commits on main", async () => {
    await settings({ branching_enabled: false });
    const { sim, ep } = await setup(6);
    const first = await sync(ep.id);
    expect(first.status).toBe("succeeded");
    const store = await inventoryStore();
    const log1 = await store.log("main", 5);
    expect(log1[0]!.message).toMatch(new RegExp(`^Sync run #${first.id}: 6 remotes created`));
    const r = await remoteRow(ep.id, sim.control.remotes()[0]!.id);
    await pdmRemoteService.update(ctxFor(db), r.id, { description: "noted by hand" }, { partial: true });
    const second = await sync(ep.id);
    const log2 = await store.log("main", 5);
    expect(log2[0]!.message).toBe(`Inventory edits before sync run: 1 remote updated (${r.name}) (by ${ctxFor(db).actor.username})`);
    expect(log2[0]!.author).toBe(ctxFor(db).actor.username);
    expect(second).toMatchObject({ status: "succeeded", branch: null });
    const history = await objectHistory(ctxFor(db), remotePath(ep.name, r.name));
    expect(history.map((h) => h.message.split(":")[0])).toEqual(["Inventory edits before sync run", `Sync run #${first.id}`]);
    expect(history[0]!).toMatchObject({ author: ctxFor(db).actor.username, data: { description: "noted by hand" } });
  });

  it("brings main up to date incrementally, and always to exactly the database's inventory", async () => {
    await settings({ branching_enabled: false });
    const { sim, ep } = await setup(5);
    await sync(ep.id);
    const store = await inventoryStore();
    const matchesDatabase = async () => {
      const want = await inventoryObjects(db.handle.db);
      const have = await store.readSnapshot("main");
      expect([...have.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [p, o] of want) expect(have.get(p), p).toEqual(o);
    };
    await matchesDatabase();
    const tip = await store.resolve("main");
    expect(await withGitLock(() => commitInventoryToMain(ctxFor(db), "nothing"))).toMatchObject({ changed: false, oid: tip });
    // Edits of every kind between runs: a field, a rename, a delete, a create.
    const [a, b, c] = sim.control.remotes().map((r) => r.id);
    await pdmRemoteService.update(ctxFor(db), (await remoteRow(ep.id, a!)).id, { description: "edited" }, { partial: true });
    await pdmRemoteService.update(ctxFor(db), (await remoteRow(ep.id, b!)).id, { name: `${b}-renamed` }, { partial: true });
    await pdmRemoteService.delete(ctxFor(db), (await remoteRow(ep.id, c!)).id);
    await pdmRemoteService.create(ctxFor(db), { pdm_endpoint: ep.id, name: "made-by-hand", remote_type: "pbs" });
    const r = await withGitLock(() => commitInventoryToMain(ctxFor(db), "edits"));
    expect(r.changed).toBe(true);
    expect(r.summary).toBe(`2 remotes created (${b}-renamed, made-by-hand), 1 remote updated (${a}), 2 remotes deleted (${[b, c].sort().join(", ")})`);
    await matchesDatabase();
    // An endpoint edit (its folder may move) and main moved elsewhere: a full comparison, still exact.
    await pdmEndpointService.update(ctxFor(db), ep.id, { description: "endpoint note" }, { partial: true });
    await withGitLock(() => commitInventoryToMain(ctxFor(db), "endpoint"));
    await matchesDatabase();
    // A rename moves the endpoint's file and its remotes' folder.
    await pdmEndpointService.update(ctxFor(db), ep.id, { name: `${ep.name}-renamed` }, { partial: true });
    await withGitLock(() => commitInventoryToMain(ctxFor(db), "endpoint renamed"));
    await matchesDatabase();
    expect([...(await store.listFiles("main")).keys()].some((p) => p.startsWith(`pdm-remotes/${ep.name}/`))).toBe(false);
    await store.writeSnapshot({ ref: "main", put: new Map([[remotePath(ep.name, "stray"), { id: null, name: "stray" }]]), message: "outside change" });
    await withGitLock(() => commitInventoryToMain(ctxFor(db), "repair"));
    await matchesDatabase();
    // Deleting the endpoint (its remotes go with it) is an incremental commit too.
    await pdmEndpointService.delete(ctxFor(db), ep.id);
    const gone = await withGitLock(() => commitInventoryToMain(ctxFor(db), "endpoint deleted"));
    expect(gone.summary).toMatch(/remotes? deleted.*1 endpoint deleted/);
    await matchesDatabase();
  });

  it("a run that changes nothing makes no commit; an edit made meanwhile is committed as the person's before the next run", async () => {
    await settings({ branching_enabled: false });
    const { sim, ep } = await setup(4);
    await sync(ep.id);
    const store = await inventoryStore();
    const r = await remoteRow(ep.id, sim.control.remotes()[0]!.id);
    const quiet = await sync(ep.id, undefined, {
      "commit-main": async () => {
        await pdmRemoteService.update(ctxFor(db), r.id, { description: "edited during a quiet run" }, { partial: true });
      },
    });
    expect(quiet).toMatchObject({ status: "succeeded", created: 0, updated: 0, deleted: 0, unchanged: 4 });
    const tip = await store.resolve("main");
    expect((await store.log("main", 1))[0]!.message).not.toMatch(new RegExp(`^Sync run #${quiet.id}`));
    await sync(ep.id);
    const [last] = await store.log("main", 1);
    expect(last).toMatchObject({ author: ctxFor(db).actor.username, parents: [tip] });
    expect(last!.message).toBe(`Inventory edits before sync run: 1 remote updated (${r.name}) (by ${ctxFor(db).actor.username})`);
    expect(await store.readObject("main", remotePath(ep.name, r.name))).toMatchObject({ description: "edited during a quiet run" });
  });

  it("a run's prestaged remotes edited before its commit land on main as edited", async () => {
    await settings({ branching_enabled: false });
    const { sim, ep } = await setup(6);
    const store = await inventoryStore();
    const [a, b, c] = sim.control.remotes().map((r) => r.id);
    // Between the endpoint's reconcile (which prestaged its remotes' blobs) and commit-main.
    const run = await sync(ep.id, undefined, {
      "commit-main": async () => {
        await pdmRemoteService.update(ctxFor(db), (await remoteRow(ep.id, a!)).id, { description: "edited mid-run" }, { partial: true });
        await pdmRemoteService.update(ctxFor(db), (await remoteRow(ep.id, b!)).id, { name: `${b}-renamed` }, { partial: true });
        await pdmRemoteService.delete(ctxFor(db), (await remoteRow(ep.id, c!)).id);
      },
    });
    expect(run.status).toBe("succeeded");
    const want = await inventoryObjects(db.handle.db);
    const have = await store.readSnapshot("main");
    expect([...have.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [p, o] of want) expect(have.get(p), p).toEqual(o);
    expect(have.get(remotePath(ep.name, a!))).toMatchObject({ description: "edited mid-run" });
    expect(have.has(remotePath(ep.name, b!))).toBe(false);
    expect(have.has(remotePath(ep.name, c!))).toBe(false);
    execFileSync("git", ["--git-dir", path.join(getEnv().dataDir, "inventory.git"), "fsck", "--full"], { stdio: "pipe" });
  });

  it("a remote written behind the app's back after its digest was taken is snapshotted as it is now", async () => {
    await settings({ branching_enabled: false });
    const { sim, ep } = await setup(4);
    await sync(ep.id);
    const store = await inventoryStore();
    const [a, b] = sim.control.remotes().map((r) => r.id);
    const ra = await remoteRow(ep.id, a!);
    const rb = await remoteRow(ep.id, b!);
    // Rewriting a row with its own values moves its row version but not its content: no commit.
    await db.handle.db.update(pdmRemotes).set({ version: rb.version, lastUpdated: rb.lastUpdated }).where(eq(pdmRemotes.id, rb.id));
    const tip = await store.resolve("main");
    expect(await withGitLock(() => commitInventoryToMain(ctxFor(db), "same values"))).toMatchObject({ changed: false, oid: tip });
    // A real change, with no change-log entry and no service call, twice in a row.
    for (const version of ["9.9-raw", "9.10-raw"]) {
      await db.handle.db.update(pdmRemotes).set({ version }).where(eq(pdmRemotes.id, ra.id));
      expect(await withGitLock(() => commitInventoryToMain(ctxFor(db), "raw edit"))).toMatchObject({ changed: true, summary: `1 remote updated (${ra.name})` });
      expect(await store.readObject("main", remotePath(ep.name, ra.name))).toMatchObject({ version });
    }
    // Back as its change log has it: the record's invariants hold again for the tests after this one.
    await db.handle.db.update(pdmRemotes).set({ version: ra.version, lastUpdated: ra.lastUpdated }).where(eq(pdmRemotes.id, ra.id));
    await withGitLock(() => commitInventoryToMain(ctxFor(db), "raw edit undone"));
  });

  it("with branching: no changes leaves no branch; changes merge when nothing conflicts", async () => {
    const { sim, ep } = await setup(6);
    await sync(ep.id); // baseline (branching still off from the previous test? set explicitly)
    await settings({ branching_enabled: true, branch_on_conflict: "abort" });
    const none = await sync(ep.id);
    expect(none).toMatchObject({ status: "succeeded", merge_outcome: "no changes", branch: null });
    expect((await listBranches(ctxFor(db), { filters: { name: [`pdm-sync-${none.id}`] } })).count).toBe(0);
    expect(await (await inventoryStore()).resolve(`pdm-sync-${none.id}`)).toBeNull();
    const target = sim.control.remotes()[1]!;
    sim.control.setVersion(target.id, "9.9.1");
    const changed = await sync(ep.id);
    expect(changed).toMatchObject({ status: "succeeded", merge_outcome: "merged", branch: `pdm-sync-${changed.id}`, updated: 1 });
    expect((await remoteRow(ep.id, target.id)).version).toBe("9.9.1");
    const b = await getBranch(ctxFor(db), `pdm-sync-${changed.id}`);
    expect(b).toMatchObject({ status: "merged", updated: 1, conflict_count: 0 });
    const store = await inventoryStore();
    expect((await store.log("main", 1))[0]!.parents).toHaveLength(2);

    // Remotes a branch creates land on main with the ids the database gave them: bringing main up
    // to date afterwards finds nothing to commit.
    const [added] = sim.control.addGenerated({ remotes: 1, seed: 4242, prefix: "new" });
    const created = await sync(ep.id);
    expect(created).toMatchObject({ status: "succeeded", merge_outcome: "merged", created: 1 });
    const row = await remoteRow(ep.id, added!.id);
    expect(await store.readObject("main", remotePath(ep.name, added!.id))).toMatchObject({ id: row.id, name: added!.id });
    expect((await store.log("main", 1))[0]!.message).toMatch(/^Merge pdm-sync-\d+: 1 remote created/);
    expect(await withGitLock(() => commitInventoryToMain(ctxFor(db), "check"))).toMatchObject({ changed: false });
    await settings({ branching_enabled: false });
  });

  it("abort + a conflicting edit during the run: left open, database unchanged, correct diff; merge with acknowledgement", async () => {
    const { sim, ep } = await setup(6);
    await sync(ep.id);
    await settings({ branching_enabled: true, branch_on_conflict: "abort" });
    const target = sim.control.remotes()[2]!;
    const before = await remoteRow(ep.id, target.id);
    sim.control.setVersion(target.id, "9.9.2");
    const run = await sync(ep.id, async () => {
      await pdmRemoteService.update(ctxFor(db), before.id, { version: "edited-by-hand" }, { partial: true });
    });
    expect(run).toMatchObject({ status: "left_open", branch: `pdm-sync-${run.id}` });
    expect(run.merge_outcome).toMatch(/^left open: 1 conflicting object/);
    expect((await remoteRow(ep.id, target.id)).version).toBe("edited-by-hand");
    const { branch, entries } = await branchDiff(ctxFor(db), run.branch!);
    expect(branch).toMatchObject({ status: "open", conflict_count: 1 });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: "pdm-remote", action: "update", name: target.id, conflicts: ["version"] });
    expect(entries[0]!.fields).toEqual([{ field: "version", base: before.version, branch: "9.9.2", main: "edited-by-hand", branch_changed: true, main_changed: true, conflict: true }]);
    // Reading a diff writes nothing: main's side is the database as it is now, computed in memory.
    const store = await inventoryStore();
    const tip = await store.resolve("main");
    await pdmRemoteService.update(ctxFor(db), before.id, { version: "edited-again" }, { partial: true });
    const again = await branchDiff(ctxFor(db), run.branch!);
    expect(again.entries[0]!.fields).toEqual([{ field: "version", base: before.version, branch: "9.9.2", main: "edited-again", branch_changed: true, main_changed: true, conflict: true }]);
    expect(await store.resolve("main")).toBe(tip);
    await expect(mergeOpenBranch(ctxFor(db), run.branch!, {})).rejects.toMatchObject({ code: "conflict", details: { conflicts: [expect.objectContaining({ fields: ["version"] })] } });
    const merged = await mergeOpenBranch(ctxFor(db), run.branch!, { acknowledge_conflicts: true });
    expect(merged.status).toBe("merged");
    expect((await remoteRow(ep.id, target.id)).version).toBe("9.9.2");
    expect((await getSyncRun(ctxFor(db), run.id)).merge_outcome).toMatch(/^merged by /);
    await settings({ branching_enabled: false });
  });

  it("overwrite merges despite conflicts, the branch winning; discard leaves the database alone", async () => {
    const { sim, ep } = await setup(6);
    await sync(ep.id);
    await settings({ branching_enabled: true, branch_on_conflict: "overwrite" });
    const target = sim.control.remotes()[3]!;
    const row = await remoteRow(ep.id, target.id);
    sim.control.setVersion(target.id, "9.9.3");
    const run = await sync(ep.id, async () => {
      await pdmRemoteService.update(ctxFor(db), row.id, { version: "by hand", description: "kept" }, { partial: true });
    });
    expect(run.status).toBe("succeeded");
    expect(run.merge_outcome).toBe("merged, 1 conflicts overwritten");
    expect(await remoteRow(ep.id, target.id)).toMatchObject({ version: "9.9.3", description: "kept" });

    await settings({ branch_on_conflict: "abort" });
    sim.control.setVersion(target.id, "9.9.4");
    const open = await sync(ep.id, async () => {
      await pdmRemoteService.update(ctxFor(db), row.id, { version: "again by hand" }, { partial: true });
    });
    expect(open.status).toBe("left_open");
    const discarded = await discardBranch(ctxFor(db), open.branch!);
    expect(discarded.status).toBe("discarded");
    expect((await remoteRow(ep.id, target.id)).version).toBe("again by hand");
    await expect(mergeOpenBranch(ctxFor(db), open.branch!, { acknowledge_conflicts: true })).rejects.toMatchObject({ code: "bad_request" });
    await settings({ branching_enabled: false });
  });

  it("crash safety: never a merge commit on main without the database change, or the reverse", async () => {
    const { sim, ep } = await setup(6);
    await sync(ep.id);
    await settings({ branching_enabled: true, branch_on_conflict: "abort" });
    const target = sim.control.remotes()[4]!;
    const store = await inventoryStore();
    const row = await remoteRow(ep.id, target.id);
    const leaveOpen = async () => pdmRemoteService.update(ctxFor(db), row.id, { version: `hand-${Date.now()}` }, { partial: true });

    // 1. Dies after writing the merge commit object, before the database: branch open, main as before.
    sim.control.setVersion(target.id, "9.9.5");
    const run1 = await sync(ep.id, leaveOpen);
    const main1 = await store.resolve("main");
    const version1 = (await remoteRow(ep.id, target.id)).version;
    setMergeFaultForTests("after-commit-object");
    await expect(mergeBranch(ctxFor(db), run1.branch!, "overwrite")).rejects.toThrow(/injected/);
    setMergeFaultForTests(null);
    expect((await db.handle.db.select().from(branches).where(eq(branches.name, run1.branch!)))[0]!.status).toBe("open");
    expect(await store.resolve("main")).toBe(main1);
    expect((await remoteRow(ep.id, target.id)).version).toBe(version1);

    // 2. Dies after the database transaction, before main moves: on recovery main is rolled forward.
    setMergeFaultForTests("after-database");
    await expect(mergeBranch(ctxFor(db), run1.branch!, "overwrite")).rejects.toThrow(/injected/);
    setMergeFaultForTests(null);
    const [b] = await db.handle.db.select().from(branches).where(eq(branches.name, run1.branch!));
    expect(b!.status).toBe("merged");
    expect((await remoteRow(ep.id, target.id)).version).toBe("9.9.5");
    expect(await store.isAncestor(b!.mergeOid!, "main")).toBe(false);
    expect(await recoverMerges(db.handle.db)).toBe(1);
    expect(await store.isAncestor(b!.mergeOid!, "main")).toBe(true);
    expect(await store.readObject("main", remotePath(ep.name, target.id))).toMatchObject({ version: "9.9.5" });
    await settings({ branching_enabled: false });

    // The repository stays valid for native git, and no blob anywhere holds a secret.
    execFileSync("git", ["--git-dir", path.join(getEnv().dataDir, "inventory.git"), "fsck", "--strict"], { stdio: "pipe" });
    const all = execFileSync("git", ["--git-dir", path.join(getEnv().dataDir, "inventory.git"), "cat-file", "--batch-all-objects", "--batch"], { maxBuffer: 64 << 20 }).toString("latin1");
    expect(all).not.toContain(sim.tokenSecret);
    expect(all).not.toMatch(/token_secret|proxbox_api_key/);
    expect(execFileSync("git", ["--git-dir", path.join(getEnv().dataDir, "inventory.git"), "log", "--oneline", "main"], { encoding: "utf8" })).toContain("Merge pdm-sync-");
  });
});
