import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { pdmRemotes } from "@/db/schema";
import { pdmRemoteService } from "@/lib/services/pdm-remotes";
import { updateSettings } from "@/lib/services/settings";
import type { RunningSimulator } from "@/sim/server";
import { setupApi } from "@/tests/api";
import { ctxFor, describeEachDb, type TestDb } from "@/tests/db";
import { endpointFor, runSyncSteps, simulatorPool } from "@/tests/sync-kit";
import { api, asJson, listOf, type Json } from "./client";

// The branch REST API (SPEC §6): list, diff, merge with acknowledgement (409 otherwise), discard.

const sims = simulatorPool(900, "ab");

describeEachDb("REST API: branches", (get) => {
  let db: TestDb;
  let keys: Awaited<ReturnType<typeof setupApi>>;

  beforeAll(async () => {
    db = get();
    keys = await setupApi(db);
  });
  afterAll(async () => {
    await updateSettings(ctxFor(db), { branching_enabled: false }, { partial: true });
  });

  /** A sync run whose branch conflicts with an edit made on main while it runs: left open. */
  async function leftOpenBranch(): Promise<{ branch: string; remoteId: number; simVersion: string; sim: RunningSimulator }> {
    const sim = await sims.start(4);
    const ep = await endpointFor(db, sim);
    await updateSettings(ctxFor(db), { branching_enabled: false }, { partial: true });
    await runSyncSteps(db, [ep.id]);
    await updateSettings(ctxFor(db), { branching_enabled: true, branch_on_conflict: "abort" }, { partial: true });
    const target = sim.control.remotes()[0]!;
    const [row] = await db.handle.db.select().from(pdmRemotes).where(eq(pdmRemotes.pdmEndpointId, ep.id));
    const remote = (await db.handle.db.select().from(pdmRemotes).where(eq(pdmRemotes.pdmEndpointId, ep.id))).find((r) => r.name === target.id) ?? row!;
    const simVersion = `9.8.${sims.count}`;
    sim.control.setVersion(target.id, simVersion);
    const run = await runSyncSteps(db, [ep.id], { "merge-branch": () => pdmRemoteService.update(ctxFor(db), remote.id, { version: "set by hand" }, { partial: true }) });
    return { branch: `pdm-sync-${run}`, remoteId: remote.id, simVersion, sim };
  }

  it("lists branches, serves the diff, refuses an unacknowledged merge with 409 and merges with acknowledgement", async () => {
    const { branch, remoteId, simVersion, sim } = await leftOpenBranch();
    const url = `/api/plugins/pdm/branches/${branch}/`;

    const list = listOf((await api("GET", `/api/plugins/pdm/branches/?status=open&name=${branch}`, { token: keys.viewer })).body);
    expect(list.count).toBe(1);
    expect(list.results[0]).toMatchObject({ name: branch, url: `http://testserver${url}`, display: branch, status: "open", conflict_count: 1, updated: 1 });
    expect(asJson(list.results[0]).sync_run).toMatchObject({ url: expect.stringMatching(/\/api\/plugins\/pdm\/sync-runs\/\d+\/$/) });
    const brief = listOf((await api("GET", `/api/plugins/pdm/branches/?brief=true&name=${branch}`, { token: keys.viewer })).body);
    expect(Object.keys(brief.results[0]!).sort()).toEqual(["display", "id", "name", "url"]);

    const detail = await api("GET", url, { token: keys.viewer });
    expect(detail.status).toBe(200);
    const diff = asJson(detail.body).diff as Json[];
    expect(diff).toHaveLength(1);
    expect(diff[0]).toMatchObject({ kind: "pdm-remote", action: "update", id: remoteId, conflicts: ["version"], collision: null, main_exists: true });
    expect(diff[0]!.fields).toEqual([{ field: "version", base: expect.any(String), branch: simVersion, main: "set by hand", branch_changed: true, main_changed: true, conflict: true }]);
    expect(detail.text).not.toContain(sim.tokenSecret);

    // A viewer and a read-only token may look but not merge.
    expect((await api("POST", `${url}merge/`, { token: keys.viewer, body: { acknowledge_conflicts: true } })).status).toBe(403);
    expect((await api("POST", `${url}merge/`, { token: keys.readOnly, body: { acknowledge_conflicts: true } })).status).toBe(403);
    // Bad bodies are 400s, not merges.
    expect((await api("POST", `${url}merge/`, { token: keys.editor, body: "{nope" })).status).toBe(400);
    const badField = await api("POST", `${url}merge/`, { token: keys.editor, body: { acknowledge_conflicts: "yes" } });
    expect(badField.status).toBe(400);
    expect(Object.keys(asJson(badField.body))).toEqual(["acknowledge_conflicts"]);
    expect((await api("POST", `${url}merge/`, { token: keys.editor, body: [] })).status).toBe(400);
    expect((await api("POST", `${url}merge/`, { token: keys.editor, body: "null" })).status).toBe(400);

    const refused = await api("POST", `${url}merge/`, { token: keys.editor });
    expect(refused.status).toBe(409);
    expect(asJson(refused.body)).toMatchObject({ detail: expect.stringMatching(/acknowledged/), conflicts: [expect.objectContaining({ fields: ["version"], action: "update" })] });
    expect((await pdmRemoteService.getOrThrow(ctxFor(db), remoteId)).version).toBe("set by hand");

    const merged = await api("POST", `${url}merge/`, { token: keys.editor, body: { acknowledge_conflicts: true } });
    expect(merged.status).toBe(200);
    expect(asJson(merged.body)).toMatchObject({ name: branch, status: "merged", merged_by: expect.any(String), applied: { updated: 1 } });
    expect((await pdmRemoteService.getOrThrow(ctxFor(db), remoteId)).version).toBe(simVersion);

    // Merged branches stay listed with their outcome; a second merge or a discard is a 400.
    expect(asJson((await api("GET", url, { token: keys.viewer })).body)).toMatchObject({ status: "merged" });
    expect((await api("POST", `${url}merge/`, { token: keys.editor, body: { acknowledge_conflicts: true } })).status).toBe(400);
    expect((await api("POST", `${url}discard/`, { token: keys.editor })).status).toBe(400);
  });

  it("discards an open branch and leaves the database alone; unknown branches are 404", async () => {
    const { branch, remoteId } = await leftOpenBranch();
    const url = `/api/plugins/pdm/branches/${branch}/`;
    expect((await api("POST", `${url}discard/`, { token: keys.viewer })).status).toBe(403);
    const discarded = await api("POST", `${url}discard/`, { token: keys.editor });
    expect(discarded.status).toBe(200);
    expect(asJson(discarded.body)).toMatchObject({ status: "discarded", discarded_by: expect.any(String) });
    expect((await pdmRemoteService.getOrThrow(ctxFor(db), remoteId)).version).toBe("set by hand");
    // The discarded branch's diff can still be read.
    expect((await api("GET", url, { token: keys.viewer })).status).toBe(200);

    for (const name of ["no-such-branch", "%00", "..", "a%2Fb"]) {
      for (const [method, suffix] of [["GET", ""], ["POST", "merge/"], ["POST", "discard/"]] as const) {
        const res = await api(method, `/api/plugins/pdm/branches/${name}/${suffix}`, { token: keys.editor, body: method === "POST" ? {} : undefined });
        expect(res.status, `${method} ${name}/${suffix}`).toBe(404);
      }
    }
    expect((await api("GET", "/api/plugins/pdm/branches/", {})).status).toBe(401);
  });
});
