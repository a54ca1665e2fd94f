import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "@/bench/util";
import { openGitStore } from "@/lib/git";
import { createTestDb, type TestDb } from "@/tests/db";
import { simulatorPool } from "@/tests/sync-kit";
import {
  createEndpoint,
  patchSettings,
  requestSync,
  runChanges,
  serverRun,
  startApp,
  startInngestServer,
  syncAndWait,
  waitForRun,
  type App,
  type ChangeView,
  type InngestServer,
  type RunView,
} from "./harness";

// Sync runs through the real Inngest dev server (`inngest dev --no-discovery -u <app>`) beside
// `next start` on a PostgreSQL database of its own, with the PDM simulator: what the README tells a
// user to run. The server calls the app's /api/inngest for every step, retries failed steps,
// enforces the concurrency key and runs the parallel fetch steps as it sees fit.

const sims = simulatorPool(1800, "i");

describe.skipIf(!inject("inngestServer"))("sync through the Inngest dev server", () => {
  let db: TestDb;
  let server: InngestServer;
  let app: App;

  beforeAll(async () => {
    db = await createTestDb("postgres");
    const port = await freePort();
    // A failed step is tried again after 5 s (Inngest's own table starts at 15 s + up to 30 s of
    // jitter): long enough for the killed app to be back before the last of its 3 attempts.
    server = await startInngestServer({ mode: "dev", appUrl: `http://127.0.0.1:${port}/api/inngest`, retryIntervalSeconds: 5 });
    app = await startApp({ databaseUrl: db.url!, inngest: server, port });
  });

  afterAll(async () => {
    await app?.dispose();
    await server?.stop();
    await db?.cleanup();
  });

  let seq = 0;
  const name = (prefix: string) => `${prefix}-${++seq}`;

  it("a sync of several endpoints gives the counts, change log and Git commit the embedded runner gives", async () => {
    const embeddedDb = await createTestDb("postgres");
    const embedded = await startApp({ databaseUrl: embeddedDb.url! });
    try {
      const pdms = [await sims.start(40), await sims.start(25), await sims.start(30)];
      for (const s of pdms) s.control.setLatency(2);
      const names = pdms.map(() => name("cmp"));
      const ids = { inngest: [] as number[], embedded: [] as number[] };
      for (const [i, s] of pdms.entries()) {
        ids.inngest.push((await createEndpoint(app, s, names[i]!)).id);
        ids.embedded.push((await createEndpoint(embedded, s, names[i]!)).id);
      }
      const both = async () => {
        const [viaServer, viaEmbedded] = await Promise.all([syncAndWait(app, ids.inngest), syncAndWait(embedded, ids.embedded)]);
        return { viaServer, viaEmbedded };
      };
      const first = await both();
      expect(first.viaServer).toMatchObject({ status: "succeeded", engine: "inngest", created: 95, updated: 0, deleted: 0 });
      expect(first.viaServer.inngest_run_id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      await expectSameOutcome(first.viaServer, first.viaEmbedded);

      // PDM changes between the runs: a remote removed, one renamed, one offline, a new version.
      const [a, b, c] = pdms;
      a!.control.removeRemote(a!.control.remotes()[0]!.id);
      const renamable = b!.control.remotes().find((r) => r.nodes.some((n) => n.fingerprint))!;
      b!.control.renameRemote(renamable.id, `${renamable.id}-renamed`);
      c!.control.setOffline(c!.control.remotes()[1]!.id, "Could not connect: timed out");
      c!.control.setVersion(c!.control.remotes()[2]!.id, "9.9.9");
      const second = await both();
      expect(second.viaServer).toMatchObject({ status: "succeeded", deleted: 1 });
      expect(second.viaServer.updated).toBeGreaterThanOrEqual(2);
      await expectSameOutcome(second.viaServer, second.viaEmbedded);

      // Main's history, commit by commit, and the inventory it holds.
      const [storeI, storeE] = await Promise.all([openGitStore(path.join(app.dataDir, "inventory.git")), openGitStore(path.join(embedded.dataDir, "inventory.git"))]);
      // (Run numbers differ; "(by admin)" names whoever edited the inventory within a second or so
      // before main's tip, so it depends on how fast the previous run went: left out.)
      const messages = async (s: typeof storeI) => (await s.log("main", 20)).map((c) => c.message.replace(/#\d+/g, "#n").replace(/ \(by [^)]*\)$/, ""));
      expect(await messages(storeI)).toEqual(await messages(storeE));
      const files = async (s: typeof storeI) => {
        const snap = await s.readSnapshot("main");
        return Object.fromEntries([...snap].filter(([p]) => names.some((n) => p.includes(n))).map(([p, o]) => [p, withoutIds(o)]));
      };
      expect(await files(storeI)).toEqual(await files(storeE));
    } finally {
      await embedded.dispose();
      await embeddedDb.cleanup();
    }

    async function expectSameOutcome(viaServer: RunView, viaEmbedded: RunView) {
      expect(viaEmbedded.engine).toBe("embedded");
      const counts = (r: RunView) => ({ status: r.status, created: r.created, updated: r.updated, deleted: r.deleted, unchanged: r.unchanged, error: r.error });
      expect(counts(viaServer)).toEqual(counts(viaEmbedded));
      const perEndpoint = (r: RunView) => r.endpoints.map(({ id: _id, ...rest }) => rest).sort((x, y) => x.name.localeCompare(y.name));
      expect(perEndpoint(viaServer)).toEqual(perEndpoint(viaEmbedded));
      const log = async (a: App, r: RunView) => {
        const changes = await runChanges(a, r.id);
        expect(new Set(changes.map((ch) => ch.request_id)).size).toBeLessThanOrEqual(1);
        expect(changes.every((ch) => ch.user_name === `sync run #${r.id}`)).toBe(true);
        return changes.map(normalizeChange).sort();
      };
      expect(await log(app, viaServer)).toEqual(await log(embedded, viaEmbedded));
    }
  });

  it("the run page's dashboard link names the run the server executed", async () => {
    const sim = await sims.start(4);
    const ep = await createEndpoint(app, sim, name("link"));
    const run = await syncAndWait(app, [ep.id]);
    expect(run.status).toBe("succeeded");
    const link = new URL(run.inngest_url!);
    expect(`${link.origin}${link.pathname}`).toBe(`${server.url}/run`);
    // The dev server's UI (ui/apps/dev-server-ui/src/routes/_dashboard/run) reads `runID`.
    const runId = link.searchParams.get("runID");
    expect(runId).toBe(run.inngest_run_id);
    const onServer = await serverRun(server, runId!, "Completed");
    expect(onServer.run_id).toBe(runId);
    const event = await server.api<{ data: { name: string; data: unknown } }>(`/v1/events/${onServer.event_id}`);
    expect(event.body.data).toMatchObject({ name: "pdm/sync.requested", data: { runId: run.id } });
  });

  it("an endpoint's reconcile does not wait for the other endpoints' fetches", async () => {
    const [quick, slow] = [await sims.start(5), await sims.start(5)];
    const eps = [(await createEndpoint(app, quick, name("quick"))).id, (await createEndpoint(app, slow, name("slow"))).id];
    slow.control.addFault({ kind: "latency", path: "^/remotes/remote$", latencyMs: 4000, times: 1 });
    const id = await requestSync(app, eps);
    const staged = async (endpoint: number) =>
      ((await db.handle.db.execute(sql`select count(*)::int as n from sync_run_fetches where sync_run_id = ${id} and pdm_endpoint_id = ${endpoint}`)) as unknown as { n: number }[])[0]!.n > 0;
    const reconciled = await waitForRun(app, id, { until: (r) => r.endpoints.some((e) => e.id === eps[0]) || ["succeeded", "partial", "failed"].includes(r.status), intervalMs: 50 });
    expect(reconciled.status).toBe("running");
    // The quick endpoint is reconciled while the slow one is still fetching (nothing staged yet).
    expect(await staged(eps[1]!)).toBe(false);
    expect((await waitForRun(app, id)).status).toBe("succeeded");
  });

  it("two runs requested at once never overlap, and both finish", async () => {
    const pdms = [await sims.start(60), await sims.start(60)];
    for (const s of pdms) s.control.setLatency(5);
    const eps = [await createEndpoint(app, pdms[0]!, name("turns")), await createEndpoint(app, pdms[1]!, name("turns"))];
    const ids = eps.map((e) => e.id);
    const [a, b] = await Promise.all([requestSync(app, ids), requestSync(app, ids)]);
    const [ra, rb] = await Promise.all([waitForRun(app, a), waitForRun(app, b)]);
    expect(ra.status).toBe("succeeded");
    expect(rb.status).toBe("succeeded");
    const [first, second] = [ra, rb].sort((x, y) => Date.parse(x.started_at!) - Date.parse(y.started_at!));
    expect(Date.parse(second!.started_at!)).toBeGreaterThanOrEqual(Date.parse(first!.finished_at!));
    // The first created every remote; the second, run after it, found them all unchanged.
    expect(first).toMatchObject({ created: 120, unchanged: 0 });
    expect(second).toMatchObject({ created: 0, unchanged: 120 });
  });

  it("branching: no change, merged, left open, and overwrite", async () => {
    const sim = await sims.start(6);
    const ep = await createEndpoint(app, sim, name("branch"));
    expect((await syncAndWait(app, [ep.id])).status).toBe("succeeded");
    const prefix = name("it-sync");
    await patchSettings(app, { branching_enabled: true, branch_on_conflict: "abort", branch_name_prefix: prefix });
    try {
      const none = await syncAndWait(app, [ep.id]);
      expect(none).toMatchObject({ status: "succeeded", merge_outcome: "no changes", branch: null });

      const [r1, r2, r3] = sim.control.remotes().map((r) => r.id);
      sim.control.setVersion(r1!, "9.9.1");
      const merged = await syncAndWait(app, [ep.id]);
      expect(merged).toMatchObject({ status: "succeeded", merge_outcome: "merged", branch: `${prefix}-${merged.id}`, updated: 1 });
      expect((await remote(ep.id, r1!)).version).toBe("9.9.1");

      // PDM reports a new version while a person sets another one during the run (after its
      // branch was made from main): a conflict. Abort leaves the run open, the person's value stays.
      const conflictingRun = async (remoteName: string, pdmVersion: string, personVersion: string) => {
        sim.control.setVersion(remoteName, pdmVersion);
        sim.control.addFault({ kind: "latency", path: "^/remotes/remote$", latencyMs: 3000, times: 1 });
        const id = await requestSync(app, [ep.id]);
        const during = await waitForRun(app, id, { until: (r) => r.branch !== null || ["succeeded", "failed", "left_open"].includes(r.status) });
        expect(during.status, "the edit must land while the run is under way").toBe("running");
        const edit = await app.api("PATCH", `/api/plugins/pdm/remotes/${(await remote(ep.id, remoteName)).id}/`, { version: personVersion });
        expect(edit.status).toBe(200);
        return waitForRun(app, id);
      };
      const open = await conflictingRun(r2!, "9.9.2", "8.8.2");
      expect(open).toMatchObject({ status: "left_open", merge_outcome: "left open: 1 conflicting object", branch: `${prefix}-${open.id}` });
      expect((await remote(ep.id, r2!)).version).toBe("8.8.2");

      await patchSettings(app, { branch_on_conflict: "overwrite" });
      const overwritten = await conflictingRun(r3!, "9.9.3", "8.8.3");
      expect(overwritten).toMatchObject({ status: "succeeded", merge_outcome: "merged, 1 conflicts overwritten" });
      expect((await remote(ep.id, r3!)).version).toBe("9.9.3");
    } finally {
      await patchSettings(app, { branching_enabled: false, branch_on_conflict: "abort" });
    }
  });

  async function remote(endpointId: number, remoteName: string): Promise<{ id: number; version: string | null }> {
    const res = await app.api<{ results: { id: number; version: string | null }[] }>("GET", `/api/plugins/pdm/remotes/?pdm_endpoint_id=${endpointId}&name=${encodeURIComponent(remoteName)}`);
    return res.body.results[0]!;
  }

  it("PDM's 503: once, the PDM client's own retry absorbs it; for good, the endpoint fails in plain words", async () => {
    const sim = await sims.start(5);
    const ep = await createEndpoint(app, sim, name("503"));
    sim.control.addFault({ kind: "http503", path: "^/version$", times: 1 });
    const once = await syncAndWait(app, [ep.id]);
    expect(once).toMatchObject({ status: "succeeded", created: 5 });
    // The 503, then /version, /remotes/remote and one version call per remote.
    expect(sim.stats().requests).toBe(1 + 2 + 5);
    // SPEC §4: an endpoint PDM keeps failing is that endpoint's outcome, not a step for the engine to retry.
    sim.control.addFault({ kind: "http503", path: "^/remotes/remote$" });
    try {
      const broken = await syncAndWait(app, [ep.id]);
      expect(broken).toMatchObject({ status: "failed", error: `${ep.name}: HTTP 503: 503 Service Temporarily Unavailable` });
      expect(broken.endpoints).toEqual([expect.objectContaining({ outcome: "failed", error: "HTTP 503: 503 Service Temporarily Unavailable" })]);
    } finally {
      sim.control.clearFaults();
    }
  });

  describe("a step that throws (the database refuses the fetch step's write)", () => {
    // A trigger on the app's own database makes the fetch step's INSERT fail the first `times`
    // times: a step failing for real, inside the app, as a database outage would make it.
    const refuseStaging = async (times: number) => {
      await db.handle.db.execute(sql.raw(`create sequence it_staging_attempts`));
      await db.handle.db.execute(
        sql.raw(`create function it_refuse_staging() returns trigger language plpgsql as $$
          begin
            if nextval('it_staging_attempts') <= ${times} then
              raise exception 'could not stage the fetched data (fault injected by the test, attempt %)', currval('it_staging_attempts');
            end if;
            return new;
          end $$`),
      );
      await db.handle.db.execute(sql.raw(`create trigger it_refuse_staging before insert on sync_run_fetches for each row execute function it_refuse_staging()`));
    };
    const attempts = async () => Number(((await db.handle.db.execute(sql.raw(`select last_value from it_staging_attempts`))) as unknown as { last_value: string }[])[0]!.last_value);
    const allowStaging = async () => {
      await db.handle.db.execute(sql.raw(`drop trigger if exists it_refuse_staging on sync_run_fetches`));
      await db.handle.db.execute(sql.raw(`drop function if exists it_refuse_staging()`));
      await db.handle.db.execute(sql.raw(`drop sequence if exists it_staging_attempts`));
    };

    it("failing once, it is retried by the server and the run succeeds", async () => {
      const sim = await sims.start(5);
      const ep = await createEndpoint(app, sim, name("retry"));
      await refuseStaging(1);
      try {
        const run = await syncAndWait(app, [ep.id]);
        expect(run).toMatchObject({ status: "succeeded", created: 5, error: null });
        expect(await attempts()).toBe(2);
        // The failed attempt had fetched but staged nothing, so the retry fetched again.
        expect(sim.stats().requests).toBe(2 * (2 + 5));
      } finally {
        await allowStaging();
      }
    });

    it("failing every time, the run ends `failed` with the step's error in plain words (onFailure)", async () => {
      const sim = await sims.start(3);
      const ep = await createEndpoint(app, sim, name("broken"));
      await refuseStaging(1_000_000);
      try {
        const run = await syncAndWait(app, [ep.id]);
        expect(run.status).toBe("failed");
        expect(run.error).toBe("The sync workflow failed: database: could not stage the fetched data (fault injected by the test, attempt 3)");
        expect(run.finished_at).not.toBeNull();
        expect(await attempts()).toBe(3);
        await serverRun(server, run.inngest_run_id!, "Failed");
      } finally {
        await allowStaging();
      }
    });
  });

  it("pdm_enabled = false makes a run `skipped`; a disabled endpoint is skipped, PDM never asked", async () => {
    const sim = await sims.start(3);
    const ep = await createEndpoint(app, sim, name("off"), { enabled: false });
    await patchSettings(app, { pdm_enabled: false });
    try {
      const skipped = await syncAndWait(app, [ep.id]);
      expect(skipped).toMatchObject({ status: "skipped", error: "PDM sync is disabled in the plugin settings (pdm_enabled = false)." });
    } finally {
      await patchSettings(app, { pdm_enabled: true });
    }
    const run = await syncAndWait(app, [ep.id]);
    expect(run).toMatchObject({ status: "succeeded", created: 0 });
    expect(run.endpoints).toEqual([expect.objectContaining({ id: ep.id, outcome: "skipped", error: "endpoint disabled" })]);
    expect(sim.stats().requests).toBe(0);
  });

  it("kill -9 of the app mid-step, then a restart: the server's retries finish the run, nothing applied twice", async () => {
    const pdms = [await sims.start(300), await sims.start(300), await sims.start(300)];
    for (const s of pdms) s.control.setLatency(20);
    const eps: number[] = [];
    for (const s of pdms) eps.push((await createEndpoint(app, s, name("crash"))).id);
    const id = await requestSync(app, eps);
    // As soon as one endpoint is reconciled, while the others' fetch steps are in flight.
    const reconciledOne = async () => {
      const rows = (await db.handle.db.execute(sql`select status, jsonb_array_length(endpoints) as done from sync_runs where id = ${id}`)) as unknown as { status: string; done: number }[];
      return rows[0]!;
    };
    for (let t = Date.now(); (await reconciledOne()).done < 1; ) {
      if (Date.now() - t > 60_000) throw new Error(`no endpoint reconciled within 60 s:\n${app.log()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await app.stop("SIGKILL");
    const at = await reconciledOne();
    expect(at).toMatchObject({ status: "running" });
    expect(at.done).toBeLessThan(3);
    // Each endpoint all or nothing.
    for (const [i, ep] of eps.entries()) {
      const n = (await db.handle.db.execute(sql`select count(*)::int as n from pdm_remotes where pdm_endpoint_id = ${ep}`)) as unknown as { n: number }[];
      expect([0, pdms[i]!.control.remotes().length]).toContain(n[0]!.n);
    }
    app = await app.restart();
    const run = await waitForRun(app, id);
    expect(run).toMatchObject({ status: "succeeded", created: 900, deleted: 0 });
    const creates = (await runChanges(app, id)).filter((c) => c.action === "create");
    expect(creates).toHaveLength(900);
    expect(new Set(creates.map((c) => c.changed_object_id)).size).toBe(900);
    const remotes = (await db.handle.db.execute(sql`select count(*)::int as n from pdm_remotes where pdm_endpoint_id in (${sql.join(eps, sql`, `)})`)) as unknown as { n: number }[];
    expect(remotes[0]!.n).toBe(900);
  });
});

/** Change-log entries without what two databases number differently (ids) or time (timestamps). */
function normalizeChange(c: ChangeView): string {
  return JSON.stringify([c.action, c.changed_object_type, c.object_repr, withoutIds(c.prechange_data), withoutIds(c.postchange_data)]);
}

const VOLATILE = new Set(["id", "created", "last_updated", "last_seen_at"]);
function withoutIds(o: unknown): unknown {
  if (Array.isArray(o)) return o.map(withoutIds);
  if (o && typeof o === "object") return Object.fromEntries(Object.entries(o).filter(([k]) => !VOLATILE.has(k)).map(([k, v]) => [k, withoutIds(v)]));
  return o;
}
