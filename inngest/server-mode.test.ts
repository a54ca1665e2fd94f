import http from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { provideDatabase } from "@/db";
import { syncRuns } from "@/db/schema";
import { createSyncRun, getSyncRun, inngestRunUrl } from "@/lib/services/sync-runs";
import { ctxFor, describeEachDb } from "@/tests/db";

// Inngest server mode (SPEC §4.1): with INNGEST_DEV / INNGEST_BASE_URL / INNGEST_EVENT_KEY set,
// /api/inngest serves the functions, a requested run becomes a `pdm/sync.requested` event carrying
// only its id, and the run links to the Inngest dashboard. A fake Inngest event API stands in for
// the server here; tests/inngest-server/ runs the sync through the real one.

const events: { path: string; body: unknown }[] = [];
let failSends = false;
const fake = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => (body += c.toString()));
  req.on("end", () => {
    if (req.method === "POST" && req.url?.startsWith("/e/")) {
      if (failSends) {
        res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: "boom" }));
        return;
      }
      const parsed = JSON.parse(body) as unknown[];
      events.push({ path: req.url, body: parsed });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ids: parsed.map((_, i) => `evt-${events.length}-${i}`), status: 200 }));
      return;
    }
    res.writeHead(404).end();
  });
});

const saved = { INNGEST_DEV: process.env.INNGEST_DEV, INNGEST_DASHBOARD_URL: process.env.INNGEST_DASHBOARD_URL, INNGEST_BASE_URL: process.env.INNGEST_BASE_URL };
let devUrl = "";
beforeAll(async () => {
  await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
  devUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  // Before the Inngest client module is loaded: the client reads its mode from the environment.
  process.env.INNGEST_DEV = devUrl;
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await new Promise((r) => fake.close(r));
});

describeEachDb("Inngest server mode", (get) => {
  beforeAll(() => provideDatabase(get().handle));

  it("a requested run is recorded for Inngest and sent as pdm/sync.requested with its id only", async () => {
    const { dispatchSyncRun } = await import("./dispatch");
    const run = await createSyncRun(ctxFor(get()), {}, "api");
    expect(run).toMatchObject({ status: "queued", engine: "inngest" });
    events.length = 0;
    await dispatchSyncRun(run.id);
    expect(events).toHaveLength(1);
    const [sent] = events[0]!.body as { name: string; data: unknown }[];
    expect(sent).toMatchObject({ name: "pdm/sync.requested", data: { runId: run.id } });
    expect(Object.keys(sent!.data as object)).toEqual(["runId"]);
  });

  it("a run the server does not accept is failed at once, with the reason, never left queued", async () => {
    const { dispatchSyncRun } = await import("./dispatch");
    const run = await createSyncRun(ctxFor(get()), {}, "api");
    failSends = true;
    try {
      await expect(dispatchSyncRun(run.id)).rejects.toThrow(/Could not hand the run to the Inngest server/);
    } finally {
      failSends = false;
    }
    const after = await getSyncRun(ctxFor(get()), run.id);
    expect(after.status).toBe("failed");
    expect(after.error).toMatch(/Could not hand the run to the Inngest server/);
  });

  it("the run links to its Inngest dashboard page", async () => {
    const [row] = await get().handle.db.insert(syncRuns).values({ trigger: "api", engine: "inngest", inngestRunId: "01JRUN" }).returning({ id: syncRuns.id });
    expect((await getSyncRun(ctxFor(get()), row!.id)).inngest_url).toBe(`${devUrl}/run?runID=01JRUN`);
    await get().handle.db.update(syncRuns).set({ engine: "embedded" }).where(eq(syncRuns.id, row!.id));
    expect((await getSyncRun(ctxFor(get()), row!.id)).inngest_url).toBeNull();
  });
});

it("dashboard links for the dev server, a self-hosted server, Inngest Cloud and a template", () => {
  process.env.INNGEST_DEV = "1";
  expect(inngestRunUrl("r1")).toBe("http://localhost:8288/run?runID=r1");
  delete process.env.INNGEST_DEV;
  process.env.INNGEST_BASE_URL = "http://inngest:8288/";
  expect(inngestRunUrl("r 2")).toBe("http://inngest:8288/run?runID=r%202");
  delete process.env.INNGEST_BASE_URL;
  expect(inngestRunUrl("r3")).toBe("https://app.inngest.com/env/production/runs/r3");
  process.env.INNGEST_DASHBOARD_URL = "https://inngest.example/run/{run_id}";
  expect(inngestRunUrl("r4")).toBe("https://inngest.example/run/r4");
  expect(inngestRunUrl(null)).toBeNull();
  delete process.env.INNGEST_DASHBOARD_URL;
  process.env.INNGEST_DEV = devUrl;
});

it("/api/inngest serves the functions with an Inngest server configured, and is 404 without", async () => {
  const route = await import("@/app/api/inngest/route");
  const call = () => route.GET(new NextRequest(new URL("http://testserver/api/inngest")), { params: Promise.resolve({}) });
  const served = await call();
  expect(served.status).toBe(200);
  const body = (await served.json()) as { function_count?: number; mode?: string };
  // sync-pdm, its onFailure handler (registered by Inngest as a function of its own), schedule-sync.
  expect(body).toMatchObject({ function_count: 3, mode: "dev" });
  delete process.env.INNGEST_DEV;
  try {
    const embedded = await call();
    expect(embedded.status).toBe(404);
    expect(await embedded.json()).toEqual({ detail: expect.stringMatching(/embedded runner/) });
  } finally {
    process.env.INNGEST_DEV = devUrl;
  }
});
