import { and, asc, desc, eq } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { provideDatabase } from "@/db";
import { branches, objectChanges, pdmRemotes } from "@/db/schema";
import { branchDiff, discardBranch, mergeOpenBranch } from "@/lib/services/branches";
import { listObjectChanges } from "@/lib/services/changelog/queries";
import { siteService, tenantService } from "@/lib/services/organization";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";
import { pdmRemoteService } from "@/lib/services/pdm-remotes";
import { pbsServerService, proxmoxEndpointService } from "@/lib/services/proxmox";
import { updateSettings } from "@/lib/services/settings";
import { getSyncRun } from "@/lib/services/sync-runs";
import { createToken, deleteToken } from "@/lib/services/tokens";
import { userService } from "@/lib/services/users";
import type { SimRemote } from "@/sim/data";
import { ctxFor, describeEachDb, EDITOR, uniq, type TestDb } from "@/tests/db";
import { expectRecordTrue } from "@/tests/record";
import { endpointFor, runSyncSteps, simulatorPool } from "@/tests/sync-kit";

// Issue 16: the record tells the truth. Every scenario of a sync's life — first sync, renames,
// deletes, unreachable remotes, manual links, branching merged at run time, left open then
// merged, overwrite, discard, edits through the services the UI and API call — ends with the
// change log replaying to the database and Git main agreeing with it (tests/record.ts).

const sims = simulatorPool(1600, "rec");

describeEachDb("the record tells the truth", (get) => {
  let db: TestDb;
  beforeAll(() => {
    db = get();
    provideDatabase(db.handle);
  });

  const settings = (v: Record<string, unknown>) => updateSettings(ctxFor(db), v, { partial: true });
  const sync = async (endpoint: number, before: Record<string, () => Promise<unknown>> = {}) => getSyncRun(ctxFor(db), await runSyncSteps(db, [endpoint], before));
  const rows = (endpoint: number) => db.handle.db.select().from(pdmRemotes).where(eq(pdmRemotes.pdmEndpointId, endpoint));
  const row = async (endpoint: number, name: string) => (await rows(endpoint)).find((r) => r.name === name)!;
  const entriesOf = (type: string, id: number) =>
    db.handle.db
      .select()
      .from(objectChanges)
      .where(and(eq(objectChanges.changedObjectType, type), eq(objectChanges.changedObjectId, id)))
      .orderBy(asc(objectChanges.id));

  /** A Proxmox endpoint / PBS server a remote's first node links to by fingerprint (or host and port). */
  async function targetFor(r: SimRemote) {
    const node = r.nodes[0]!;
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(node.hostname) ?? /^([^:]+)(?::(\d+))?$/.exec(node.hostname)!;
    const body = { name: uniq(r.id), host: m[1]!, port: m[2] ? Number(m[2]) : r.type === "pve" ? 8006 : 8007, fingerprint: node.fingerprint };
    return r.type === "pve" ? proxmoxEndpointService.create(ctxFor(db), body) : pbsServerService.create(ctxFor(db), body);
  }

  async function setup(remotes: number, branching = false) {
    await settings({ branching_enabled: branching, branch_on_conflict: "abort" });
    const sim = await sims.start(remotes, { pbsShare: 0.4 });
    const ep = await endpointFor(db, sim);
    return { sim, ep };
  }

  it("a first sync records each remote as committed, links included; renames, deletes and the second run follow", async () => {
    const { sim, ep } = await setup(10);
    const [pve, pbs] = [sim.control.remotes().find((r) => r.type === "pve")!, sim.control.remotes().find((r) => r.type === "pbs")!];
    const [pveTarget, pbsTarget] = [await targetFor(pve), await targetFor(pbs)];
    const first = await sync(ep.id);
    expect(first.status).toBe("succeeded");
    const linkedPbs = await row(ep.id, pbs.id);
    expect(linkedPbs).toMatchObject({ linkedPbsServerId: pbsTarget.id, linkSource: "auto" });
    expect((await row(ep.id, pve.id)).linkedProxmoxEndpointId).toBe(pveTarget.id);
    const [created] = await entriesOf("netbox_pdm.pdmremote", linkedPbs.id);
    expect(created).toMatchObject({ action: "create", syncRunId: first.id });
    expect(created!.postchangeData).toMatchObject({ linked_pbs_server: pbsTarget.id, link_source: "auto" });
    await expectRecordTrue(db);

    // A rename (same node fingerprints under a new id) and a delete in PDM.
    const [a, b] = sim.control.remotes().filter((r) => r.id !== pve.id && r.id !== pbs.id && r.nodes.every((n) => n.fingerprint));
    const aRow = await row(ep.id, a!.id);
    sim.control.renameRemote(a!.id, `${a!.id}-renamed`);
    sim.control.removeRemote(b!.id);
    const second = await sync(ep.id);
    expect(second).toMatchObject({ status: "succeeded", updated: 1, deleted: 1 });
    expect((await row(ep.id, `${a!.id}-renamed`)).id).toBe(aRow.id);
    await expectRecordTrue(db);

    // Unchanged: no entry, and last_updated stays what the last real change made it.
    const before = await rows(ep.id);
    const [endpointBefore] = await pdmEndpointService.load(db.handle.db, [ep.id]);
    const quiet = await sync(ep.id);
    expect(quiet).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    expect((await listObjectChanges(ctxFor(db), { filters: { sync_run_id: [String(quiet.id)] } })).count).toBe(0);
    const after = new Map((await rows(ep.id)).map((r) => [r.id, r]));
    for (const r of before) expect(after.get(r.id)!.lastUpdated.getTime(), r.name).toBe(r.lastUpdated.getTime());
    const [endpointAfter] = await pdmEndpointService.load(db.handle.db, [ep.id]);
    expect(endpointAfter!.last_updated.getTime()).toBe(endpointBefore!.last_updated.getTime());
    expect(endpointAfter!.last_seen_at!.getTime()).toBeGreaterThan(endpointBefore!.last_seen_at!.getTime());
    await expectRecordTrue(db);
  });

  it("unreachable remotes are counted and warned about; manual links survive syncs; edits through the services", async () => {
    const { sim, ep } = await setup(8);
    await sync(ep.id);
    const [x, y] = sim.control.remotes();
    sim.control.setOffline(x!.id, "connection refused");
    sim.control.setOffline(y!.id, "no route to host");
    const run = await sync(ep.id);
    expect(run.status).toBe("succeeded");
    expect(run.unreachable).toBe(2);
    expect(run.warnings).toEqual([`${ep.name}: 2 remotes unreachable`]);
    expect(run.endpoints[0]).toMatchObject({ outcome: "succeeded", unreachable: 2 });
    await expectRecordTrue(db);

    // A person links a remote by hand; sync keeps it; reset hands it back.
    const remote = await row(ep.id, sim.control.remotes().find((r) => r.type === "pve")!.id);
    const target = await proxmoxEndpointService.create(ctxFor(db), { name: uniq("pve-manual"), host: "manual.example.net" });
    await pdmRemoteService.update(ctxFor(db, EDITOR), remote.id, { linked_proxmox_endpoint: target.id }, { partial: true });
    await sync(ep.id);
    expect(await row(ep.id, remote.name)).toMatchObject({ linkedProxmoxEndpointId: target.id, linkSource: "manual" });
    await pdmRemoteService.update(ctxFor(db), remote.id, { link_source: "auto" }, { partial: true });
    await sync(ep.id);
    await expectRecordTrue(db);

    // Edits of every object type, through the services the UI's actions and the API call.
    const site = await siteService.create(ctxFor(db), { name: uniq("site"), slug: uniq("site") });
    const tenant = await tenantService.create(ctxFor(db), { name: uniq("tenant"), slug: uniq("tenant") });
    await pdmEndpointService.update(ctxFor(db), ep.id, { site: site.id, tenant: tenant.id, description: "in the rack" }, { partial: true });
    await pdmRemoteService.update(ctxFor(db), remote.id, { description: "noted" }, { partial: true });
    const pbs = await pbsServerService.create(ctxFor(db), { name: uniq("pbs"), host: "pbs.example.net", site: site.id });
    await siteService.delete(ctxFor(db), site.id); // clears the endpoint's and the server's site, each logged
    await pbsServerService.update(ctxFor(db), pbs.id, { description: "moved" }, { partial: true });
    const user = await userService.create(ctxFor(db), { username: uniq("u"), password: "a-long-password-1", role: "editor" });
    const token = await createToken(ctxFor(db), { user: user.id, description: "ci" });
    await deleteToken(ctxFor(db), token.token.id);
    await userService.update(ctxFor(db), user.id, { role: "viewer" }, { partial: true });
    await settings({ pdm_fetch_concurrency: 6 });
    await expectRecordTrue(db);
  });

  it("with branching: merged at run time, left open then merged by a person, overwritten, discarded", async () => {
    const { sim, ep } = await setup(8, true);
    const first = await sync(ep.id);
    expect(first).toMatchObject({ status: "succeeded", merge_outcome: "merged" });
    await expectRecordTrue(db);

    // A person edits a remote's description while the run fetches: the branch reports what PDM
    // said, and the person's edit is main's side of the diff.
    const [v, w] = sim.control.remotes();
    sim.control.setVersion(v!.id, "9.9.1");
    const vRow = await row(ep.id, v!.id);
    let reviewed: Awaited<ReturnType<typeof branchDiff>> | undefined;
    const run = await sync(ep.id, {
      [`fetch-endpoint-${ep.id}`]: () => pdmRemoteService.update(ctxFor(db, EDITOR), vRow.id, { description: "edited while the run fetched" }, { partial: true }),
      "merge-branch": async () => {
        const [open] = await db.handle.db.select().from(branches).where(eq(branches.status, "open")).orderBy(desc(branches.id)).limit(1);
        reviewed = await branchDiff(ctxFor(db), open!.name);
      },
    });
    expect(run.status).toBe("succeeded");
    const entry = reviewed!.entries.find((e) => e.id === vRow.id)!;
    expect(entry.fields.map((f) => f.field)).toEqual(["description", "version"]);
    expect(entry.fields.find((f) => f.field === "version")).toMatchObject({ base: vRow.version, branch: "9.9.1", conflict: false });
    expect(entry.fields.find((f) => f.field === "description")).toMatchObject({ base: "", branch: "", main: "edited while the run fetched", conflict: false });
    expect(await row(ep.id, v!.id)).toMatchObject({ version: "9.9.1", description: "edited while the run fetched" });
    await expectRecordTrue(db);

    // A conflict (both sides change w's version): left open, nothing applied; a person merges it later.
    sim.control.setVersion(w!.id, "9.9.2");
    const wRow = await row(ep.id, w!.id);
    const leftOpen = await sync(ep.id, {
      "merge-branch": () => pdmRemoteService.update(ctxFor(db), wRow.id, { version: "hand-set" }, { partial: true }),
    });
    expect(leftOpen).toMatchObject({ status: "left_open", counts_applied: false, updated: 1 });
    expect((await row(ep.id, w!.id)).version).toBe("hand-set");
    await expectRecordTrue(db);
    const editor = await userService.create(ctxFor(db), { username: uniq("reviewer"), password: "a-long-password-2", role: "editor" });
    const reviewer = ctxFor(db, { kind: "user", userId: editor.id, username: editor.username, role: "editor", writeEnabled: true });
    await mergeOpenBranch(reviewer, leftOpen.branch!, { acknowledge_conflicts: true });
    expect((await row(ep.id, w!.id)).version).toBe("9.9.2");
    const merged = await listObjectChanges(ctxFor(db), { filters: { sync_run_id: [String(leftOpen.id)] } });
    const applied = merged.results.filter((c) => c.changed_object_id === wRow.id && c.action === "update" && (c.postchange_data as { version?: string }).version === "9.9.2");
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({ sync_run: leftOpen.id, user: { id: editor.id }, user_name: editor.username });
    expect(await getSyncRun(ctxFor(db), leftOpen.id)).toMatchObject({ status: "left_open", counts_applied: true, merge_outcome: `merged by ${editor.username}` });
    await expectRecordTrue(db);

    // overwrite: the run's value wins at once.
    await settings({ branch_on_conflict: "overwrite" });
    sim.control.setVersion(w!.id, "9.9.3");
    const overwritten = await sync(ep.id, { "merge-branch": () => pdmRemoteService.update(ctxFor(db), wRow.id, { version: "hand-set-2" }, { partial: true }) });
    expect(overwritten).toMatchObject({ status: "succeeded", counts_applied: true });
    expect((await row(ep.id, w!.id)).version).toBe("9.9.3");
    await expectRecordTrue(db);

    // discard: nothing applied, the record says so.
    await settings({ branch_on_conflict: "abort" });
    sim.control.setVersion(w!.id, "9.9.4");
    const toDiscard = await sync(ep.id, { "merge-branch": () => pdmRemoteService.update(ctxFor(db), wRow.id, { version: "hand-set-3" }, { partial: true }) });
    expect(toDiscard.status).toBe("left_open");
    await discardBranch(ctxFor(db), toDiscard.branch!);
    expect(await getSyncRun(ctxFor(db), toDiscard.id)).toMatchObject({ counts_applied: false });
    expect((await row(ep.id, w!.id)).version).toBe("hand-set-3");
    await expectRecordTrue(db);
    await settings({ branching_enabled: false });
  });
});
