import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "@/bench/util";
import { createTestDb, type TestDb } from "@/tests/db";
import { simulatorPool } from "@/tests/sync-kit";
import { createEndpoint, getRun, patchSettings, serverRun, syncAndWait, startApp, startInngestServer, waitForRun, type App, type InngestServer, type RunView } from "./harness";

// The self-hosted server as production runs it: `inngest start` with an event key and a signing
// key (hex), its state in SQLite in a directory of its own, beside `next start` given the same keys
// and INNGEST_BASE_URL. The server signs every call to /api/inngest and the app checks it.

const sims = simulatorPool(1900, "s");

describe.skipIf(!inject("inngestServer"))("sync through `inngest start` (signed mode)", () => {
  let db: TestDb;
  let server: InngestServer;
  let app: App;

  beforeAll(async () => {
    db = await createTestDb("postgres");
    const port = await freePort();
    server = await startInngestServer({ mode: "start", appUrl: `http://127.0.0.1:${port}/api/inngest` });
    app = await startApp({ databaseUrl: db.url!, inngest: server, port });
  });

  afterAll(async () => {
    await app?.dispose();
    await server?.stop();
    await db?.cleanup();
  });

  it("a sync of two endpoints runs through the self-hosted server, which knows the run the app links to", async () => {
    const [a, b] = [await sims.start(8), await sims.start(5)];
    const eps = [(await createEndpoint(app, a, "signed-a")).id, (await createEndpoint(app, b, "signed-b")).id];
    const run = await syncAndWait(app, eps);
    expect(run).toMatchObject({ status: "succeeded", engine: "inngest", created: 13 });
    const link = new URL(run.inngest_url!);
    expect(`${link.origin}${link.pathname}`).toBe(`${server.url}/run`);
    expect(link.searchParams.get("runID")).toBe(run.inngest_run_id);
    const onServer = await serverRun(server, run.inngest_run_id!, "Completed");
    const event = await server.api<{ data: { name: string; data: unknown } }>(`/v1/events/${onServer.event_id}`);
    expect(event.body.data).toMatchObject({ name: "pdm/sync.requested", data: { runId: run.id } });
  });

  it("a call to /api/inngest without a valid signature is refused and runs nothing", async () => {
    const ep = await createEndpoint(app, await sims.start(2), "unsigned");
    // A run the forged calls name.
    const queued = await app.api<RunView>("POST", `/api/plugins/pdm/sync-runs/`, { endpoints: [ep.id] });
    expect(queued.status).toBe(202);
    const runId = queued.body.id;
    const done = await waitForRun(app, runId);
    expect(done.status).toBe("succeeded");
    // Replays of a step call for that run, as an attacker on the network could send them.
    const call = JSON.stringify({
      event: { name: "pdm/sync.requested", data: { runId } },
      events: [{ name: "pdm/sync.requested", data: { runId } }],
      steps: {},
      ctx: { run_id: "01FORGED000000000000000000", attempt: 0, disable_immediate_execution: false, use_api: false, stack: { stack: [], current: 0 } },
      version: 1,
    });
    const url = `${app.url}/api/inngest?fnId=netbox-pdm-sync-pdm&stepId=step`;
    const forged = (signature?: string) =>
      fetch(url, { method: "POST", headers: { "content-type": "application/json", ...(signature ? { "x-inngest-signature": signature } : {}) }, body: call });
    const ts = Math.floor(Date.now() / 1000);
    const wrongKey = createHmac("sha256", Buffer.from("00".repeat(32), "hex")).update(call + ts).digest("hex");
    for (const res of [await forged(), await forged(`t=${ts}&s=${wrongKey}`), await forged("t=1&s=deadbeef")]) {
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain(server.signingKey!);
    }
    // The run the calls named is as the server left it.
    const after = await getRun(app, runId);
    expect(after).toEqual(done);
  });

  it("the sync schedule (`sync_schedule`) starts a run through the server's cron", async () => {
    await createEndpoint(app, await sims.start(3), "scheduled");
    const since = Date.now();
    await patchSettings(app, { sync_schedule: "* * * * *" });
    try {
      // The cron function runs every minute: the first tick after the setting is saved queues a run.
      let scheduled: RunView | undefined;
      for (const until = Date.now() + 90_000; !scheduled && Date.now() < until; ) {
        const list = await app.api<{ results: RunView[] }>("GET", "/api/plugins/pdm/sync-runs/?trigger=schedule");
        scheduled = list.body.results.find((r) => Date.parse(r.queued_at) >= since - 1000);
        if (!scheduled) await new Promise((r) => setTimeout(r, 500));
      }
      expect(scheduled, "no scheduled run within 90 s").toBeDefined();
      const run = await waitForRun(app, scheduled!.id);
      expect(run).toMatchObject({ status: "succeeded", trigger: "schedule", engine: "inngest" });
      expect(run.inngest_run_id).toBeTruthy();
    } finally {
      await patchSettings(app, { sync_schedule: "" });
    }
  });
});
