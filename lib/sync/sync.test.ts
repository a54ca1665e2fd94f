import { InngestTestEngine } from "@inngest/test";
import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { provideDatabase } from "@/db";
import { objectChanges, pdmRemotes } from "@/db/schema";
import { EmbeddedRunner } from "@/inngest/embedded-runner";
import { syncPdm } from "@/inngest/functions/sync-pdm";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";
import { pdmRemoteService } from "@/lib/services/pdm-remotes";
import { pbsServerService, proxmoxEndpointService } from "@/lib/services/proxmox";
import { updateSettings } from "@/lib/services/settings";
import { createSyncRun, getSyncRun } from "@/lib/services/sync-runs";
import { startPdmSimulator, type RunningSimulator } from "@/sim/server";
import type { SimRemote } from "@/sim/data";
import { expectRecordTrue } from "@/tests/record";
import { ctxFor, describeEachDb, uniq, type TestDb } from "@/tests/db";
import { endpointFor as endpointForSim } from "@/tests/sync-kit";

// The sync workflow end to end against the PDM simulator (SPEC §3, §4), through the embedded runner
// and through @inngest/test, on PGlite and PostgreSQL.

const ENGINES = ["embedded runner", "@inngest/test"] as const;
const sims: RunningSimulator[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

async function simulator(remotes = 12, seed = 1): Promise<RunningSimulator> {
  const sim = await startPdmSimulator({ remotes, seed, authFailureDelayMs: 0, prefix: `s${seed}` });
  sims.push(sim);
  return sim;
}

describeEachDb("sync", (get) => {
  let db: TestDb;
  const runner = new EmbeddedRunner({ backoffMs: 1, scheduleIntervalMs: 0 });
  beforeAll(() => {
    db = get();
    provideDatabase(db.handle);
  });
  // Every scenario leaves a record that replays to the database, and Git main that agrees with it.
  afterEach(() => expectRecordTrue(db));

  // A short timeout: the fault cases below wait for it.
  const endpointFor = (sim: RunningSimulator, extra: Record<string, unknown> = {}) => endpointForSim(db, sim, { timeout_seconds: 2, ...extra });

  async function remotesOf(endpointId: number) {
    return db.handle.db.select().from(pdmRemotes).where(eq(pdmRemotes.pdmEndpointId, endpointId)).orderBy(pdmRemotes.name);
  }

  async function changesOfRun(runId: number) {
    return db.handle.db.select().from(objectChanges).where(eq(objectChanges.syncRunId, runId));
  }

  // Every scenario runs through both: the embedded runner and Inngest's own test engine, which
  // executes the same function definition (steps, parallel fetch steps, memoized outputs).
  describe.each(ENGINES)("through the %s", (engine) => {
    async function runSync(endpoints?: number[]) {
      const run = await createSyncRun(ctxFor(db), endpoints ? { endpoints } : {}, "api");
      if (engine === "embedded runner") await runner.execute(run.id);
      else {
        const { result, error } = await new InngestTestEngine({ function: syncPdm }).execute({ events: [{ name: "pdm/sync.requested", data: { runId: run.id } }] });
        expect(error).toBeUndefined();
        expect(result).toMatchObject({ runId: run.id });
      }
      return getSyncRun(ctxFor(db), run.id);
    }

    it("first sync creates every remote, attributed to the run; a second sync writes nothing", async () => {
      const sim = await simulator(12, 1);
      const ep = await endpointFor(sim);
      const first = await runSync([ep.id]);
      expect(first.status).toBe("succeeded");
      expect(first).toMatchObject({ created: 12, updated: 0, deleted: 0, unchanged: 0 });
      expect(first.endpoints).toEqual([expect.objectContaining({ id: ep.id, outcome: "succeeded", created: 12, error: null })]);
      const rows = await remotesOf(ep.id);
      expect(rows.map((r) => r.name).sort()).toEqual(sim.control.remotes().map((r) => r.id).sort());
      const simRemote = sim.control.remotes()[0]!;
      const row = rows.find((r) => r.name === simRemote.id)!;
      expect(row.version).toBe(simRemote.version);
      expect(row.remoteType).toBe(simRemote.type);
      expect(row.nodes).toHaveLength(simRemote.nodes.length);
      const log = await changesOfRun(first.id);
      expect(log.filter((c) => c.changedObjectType === "netbox_pdm.pdmremote")).toHaveLength(12);
      expect(log.every((c) => c.userName === `sync run #${first.id}`)).toBe(true);
      expect(new Set(log.map((c) => c.requestId)).size).toBe(1);
      const endpoint = await pdmEndpointService.getOrThrow(ctxFor(db), ep.id);
      expect(endpoint.version).toBe("1.1.7");
      expect(endpoint.last_error).toBeNull();
      expect(endpoint.last_seen_at).not.toBeNull();
      if (engine === "embedded runner") expect(first.steps.map((s) => s.step_id)).toEqual(["start", "prepare-git", `fetch-endpoint-${ep.id}`, `reconcile-endpoint-${ep.id}`, "commit-main", "finish"]);
      else expect(first.inngest_run_id).toBeTruthy();

      const second = await runSync([ep.id]);
      expect(second).toMatchObject({ status: "succeeded", created: 0, updated: 0, deleted: 0, unchanged: 12 });
      expect(await changesOfRun(second.id)).toEqual([]);
    });

    it("removed, renamed (same id, links and history kept) and offline remotes", async () => {
      const sim = await simulator(10, 2);
      const ep = await endpointFor(sim);
      await runSync([ep.id]);
      const [gone, renamed, offline] = sim.control.remotes().filter((r) => r.nodes.some((n) => n.fingerprint)) as SimRemote[];
      const before = await remotesOf(ep.id);
      const renamedRow = before.find((r) => r.name === renamed!.id)!;
      const offlineRow = before.find((r) => r.name === offline!.id)!;
      // A manual link on the remote that will be renamed survives the rename.
      const target =
        renamed!.type === "pve"
          ? await proxmoxEndpointService.create(ctxFor(db), { name: uniq("pve"), host: "manual.example.net" })
          : await pbsServerService.create(ctxFor(db), { name: uniq("pbs"), host: "manual.example.net" });
      await pdmRemoteService.update(ctxFor(db), renamedRow.id, renamed!.type === "pve" ? { linked_proxmox_endpoint: target.id } : { linked_pbs_server: target.id }, { partial: true });

      sim.control.removeRemote(gone!.id);
      sim.control.renameRemote(renamed!.id, `${renamed!.id}-new`);
      sim.control.setOffline(offline!.id, "Could not connect: timed out");
      const run = await runSync([ep.id]);
      expect(run.status).toBe("succeeded");
      expect(run).toMatchObject({ created: 0, deleted: 1, updated: 2 });
      const after = await remotesOf(ep.id);
      expect(after.find((r) => r.name === gone!.id)).toBeUndefined();
      const renamedAfter = after.find((r) => r.id === renamedRow.id)!;
      expect(renamedAfter.name).toBe(`${renamed!.id}-new`);
      expect(renamedAfter.linkSource).toBe("manual");
      expect(renamedAfter.linkedProxmoxEndpointId ?? renamedAfter.linkedPbsServerId).toBe(target.id);
      const history = await db.handle.db
        .select()
        .from(objectChanges)
        .where(and(eq(objectChanges.changedObjectType, "netbox_pdm.pdmremote"), eq(objectChanges.changedObjectId, renamedRow.id)));
      expect(history.map((h) => h.action)).toEqual(["create", "update", "update"]);
      const offlineAfter = after.find((r) => r.id === offlineRow.id)!;
      expect(offlineAfter).toMatchObject({ status: "unreachable", version: offlineRow.version, lastError: "connection failed: Could not connect: timed out" });
    });

    it("links automatically, keeps manual links, reports ambiguity, honours declared objects", async () => {
      const sim = await simulator(0, 3);
      // Hosts and fingerprints of this engine's pass only (both passes share the database).
      const tag = engine === "embedded runner" ? "a" : "b";
      const fp = `${tag}${tag}:`.repeat(31) + `${tag}${tag}`;
      sim.control.setRemotes([
        { id: "by-fp", type: "pve", nodes: [{ hostname: "10.9.0.1:8006", fingerprint: fp, name: "pve1", ip: "10.9.0.1" }], authid: "a", webUrl: null, version: "9.0.1", release: "9.0", state: { kind: "online" } },
        { id: "by-host", type: "pbs", nodes: [{ hostname: `pbs.linked-${tag}.example`, fingerprint: null, name: "localhost", ip: "10.9.0.2" }], authid: "a", webUrl: null, version: "4.0", release: "14", state: { kind: "online" } },
        { id: "ambiguous", type: "pve", nodes: [{ hostname: `shared-${tag}.example:8006`, fingerprint: null, name: "pve1", ip: "10.9.0.3" }], authid: "a", webUrl: null, version: "9.0.1", release: "9.0", state: { kind: "online" } },
        { id: "declared", type: "pve", nodes: [{ hostname: `twin-${tag}.example`, fingerprint: null, name: "pve1", ip: "10.9.0.4" }], authid: "a", webUrl: null, version: "9.0.1", release: "9.0", state: { kind: "online" } },
      ]);
      const ctx = ctxFor(db);
      const pveFp = await proxmoxEndpointService.create(ctx, { name: uniq("pve"), host: "unrelated.example", fingerprint: fp });
      const pbs = await pbsServerService.create(ctx, { name: uniq("pbs"), host: `PBS.LINKED-${tag.toUpperCase()}.EXAMPLE` });
      const shared1 = await proxmoxEndpointService.create(ctx, { name: uniq("pve"), host: `shared-${tag}.example` });
      const shared2 = await proxmoxEndpointService.create(ctx, { name: uniq("pve"), host: `shared-${tag}.example` });
      await proxmoxEndpointService.create(ctx, { name: uniq("pve"), host: `twin-${tag}.example` });
      const twinDeclared = await proxmoxEndpointService.create(ctx, { name: uniq("pve"), host: `twin-${tag}.example` });
      const ep = await endpointFor(sim, { proxmox_endpoints: [twinDeclared.id] });
      await runSync([ep.id]);
      const rows = new Map((await remotesOf(ep.id)).map((r) => [r.name, r]));
      expect(rows.get("by-fp")).toMatchObject({ linkedProxmoxEndpointId: pveFp.id, linkSource: "auto" });
      expect(rows.get("by-host")).toMatchObject({ linkedPbsServerId: pbs.id, linkSource: "auto" });
      expect(rows.get("ambiguous")).toMatchObject({ linkedProxmoxEndpointId: null, linkSource: "none", linkCandidates: [shared1.id, shared2.id] });
      expect(rows.get("declared")).toMatchObject({ linkedProxmoxEndpointId: twinDeclared.id, linkSource: "auto" });
      // A person links the ambiguous one; sync leaves it alone.
      await pdmRemoteService.update(ctx, rows.get("ambiguous")!.id, { linked_proxmox_endpoint: shared2.id }, { partial: true });
      const again = await runSync([ep.id]);
      expect(again).toMatchObject({ updated: 0, unchanged: 4 });
      expect((await remotesOf(ep.id)).find((r) => r.name === "ambiguous")).toMatchObject({ linkedProxmoxEndpointId: shared2.id, linkSource: "manual" });
    });

    // Several endpoints mean several parallel fetch steps, which @inngest/test 1.0 starts more
    // than once, concurrently (inngest/inngest-js#1122); the workflow joins a step already under
    // way (inngest/functions/sync-pdm.ts), so these run through both engines too.
    it.each([
      ["auth", async (s: RunningSimulator) => s.control.setTokenSecret("rotated"), /^HTTP 401: authentication failed$/],
      ["pin mismatch", async (s: RunningSimulator) => void (await s.control.rotateCertificate()), /^TLS fingerprint mismatch: expected .+, presented .+/],
      ["timeout", async (s: RunningSimulator) => s.control.addFault({ kind: "latency", path: "^/version$", latencyMs: 2600 }), /^timeout: /],
      ["502", async (s: RunningSimulator) => s.control.addFault({ kind: "http502", path: "^/remotes/remote$" }), /^HTTP 502: 502 Bad Gateway$/],
      ["malformed", async (s: RunningSimulator) => s.control.addFault({ kind: "null-data", path: "^/remotes/remote$" }), /^malformed response from \/remotes\/remote: /],
    ])("an endpoint failing with %s changes nothing of its own while another endpoint syncs", async (_name, breakIt, message) => {
      const bad = await simulator(6, 10 + sims.length);
      const good = await simulator(5, 20 + sims.length);
      const badEp = await endpointFor(bad);
      const goodEp = await endpointFor(good);
      await runSync([badEp.id]);
      const before = await remotesOf(badEp.id);
      bad.control.removeRemote(bad.control.remotes()[0]!.id);
      await breakIt(bad);
      const run = await runSync([badEp.id, goodEp.id]);
      expect(run.status).toBe("partial");
      const badResult = run.endpoints.find((e) => e.id === badEp.id)!;
      expect(badResult).toMatchObject({ outcome: "failed", created: 0, deleted: 0 });
      expect(badResult.error).toMatch(message);
      expect(run.endpoints.find((e) => e.id === goodEp.id)).toMatchObject({ outcome: "succeeded", created: 5 });
      expect(await remotesOf(badEp.id)).toEqual(before);
      expect((await pdmEndpointService.getOrThrow(ctxFor(db), badEp.id)).last_error).toBe(badResult.error);
      expect(JSON.stringify(run)).not.toContain(bad.tokenSecret);
      expect(JSON.stringify(run)).not.toContain("rotated");
    });

    it("pdm_enabled = false makes a run `skipped`; disabled endpoints are skipped", async () => {
      const sim = await simulator(3, 30);
      const ep = await endpointFor(sim, { enabled: false });
      await updateSettings(ctxFor(db), { pdm_enabled: false }, { partial: true });
      try {
        const skipped = await runSync([ep.id]);
        expect(skipped.status).toBe("skipped");
        expect(skipped.error).toMatch(/pdm_enabled/);
      } finally {
        await updateSettings(ctxFor(db), { pdm_enabled: true }, { partial: true });
      }
      const run = await runSync([ep.id]);
      expect(run.status).toBe("succeeded");
      expect(run.endpoints).toEqual([expect.objectContaining({ id: ep.id, outcome: "skipped" })]);
      expect(await remotesOf(ep.id)).toEqual([]);
      expect(sim.stats().requests).toBe(0);
    });

    it("holds the run's concurrency cap across endpoints, each request made once", async () => {
      const sim = await simulator(40, 40);
      sim.control.setLatency(10);
      const a = await endpointFor(sim);
      const b = await endpointFor(sim);
      await updateSettings(ctxFor(db), { pdm_fetch_concurrency: 3 }, { partial: true });
      try {
        sim.control.resetStats();
        const run = await runSync([a.id, b.id]);
        expect(run.status).toBe("succeeded");
        expect(sim.stats().peakInFlight).toBeLessThanOrEqual(3);
        expect(sim.stats().peakInFlight).toBeGreaterThanOrEqual(2);
        // Per endpoint: /version, /remotes/remote and one /version per remote — no step twice.
        expect(sim.stats().requests).toBe(2 * (2 + 40));
      } finally {
        await updateSettings(ctxFor(db), { pdm_fetch_concurrency: 8 }, { partial: true });
        sim.control.setLatency(0);
      }
    });
  });
});
