import { and, eq } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { provideDatabase } from "@/db";
import { pdmRemotes } from "@/db/schema";
import { pdmRemoteService } from "@/lib/services/pdm-remotes";
import { getSyncRun } from "@/lib/services/sync-runs";
import { ctxFor, describeEachDb } from "@/tests/db";
import { endpointFor, runSyncSteps, simulatorPool } from "@/tests/sync-kit";

// Issue 17, item 12: only http(s) web URLs are stored, and what a sync writes passes the API's own
// field rules: a remote PDM describes invalidly is skipped (left as it was), with the reason on
// the run.

const sims = simulatorPool(1700, "inv");

describeEachDb("remotes PDM describes invalidly", (get) => {
  let endpointId: number;
  let sim: Awaited<ReturnType<typeof sims.start>>;

  beforeAll(async () => {
    provideDatabase(get().handle);
    sim = await sims.start(4, { pbsShare: 0 });
    endpointId = (await endpointFor(get(), sim)).id;
  });

  const rowNamed = async (name: string) =>
    (await get().handle.db.select().from(pdmRemotes).where(and(eq(pdmRemotes.pdmEndpointId, endpointId), eq(pdmRemotes.name, name))))[0];

  it("are skipped, the reason on the run; a remote already stored stays as it was", async () => {
    const first = await runSyncSteps(get(), [endpointId]);
    expect((await getSyncRun(ctxFor(get()), first)).endpoints[0]).toMatchObject({ outcome: "succeeded", created: 4, error: null });
    const [kept, other] = sim.control.remotes();
    const before = (await rowNamed(kept!.id))!;
    // PDM now reports a javascript: URL for a known remote, and two new remotes the API would refuse.
    kept!.webUrl = "javascript:alert(document.cookie)";
    kept!.version = "9.9.9";
    const template = { ...other!, nodes: other!.nodes.map((n) => ({ ...n, hostname: `x-${n.hostname}` })) };
    sim.control.addRemote({ ...template, id: "bad name <script>", webUrl: null });
    sim.control.addRemote({ ...template, id: "inv-data-url", webUrl: "data:text/html,<script>alert(1)</script>" });
    sim.control.addRemote({ ...template, id: "inv-fine", webUrl: "https://inv-fine.example.net:8006/" });

    const second = await runSyncSteps(get(), [endpointId]);
    const run = await getSyncRun(ctxFor(get()), second);
    expect(run.status).toBe("succeeded");
    const result = run.endpoints[0]!;
    expect(result).toMatchObject({ outcome: "succeeded", created: 1, deleted: 0 });
    expect(result.error).toMatch(/^3 remotes skipped: PDM describes them in a way the API would refuse/);
    expect(result.error).toContain(`"${kept!.id}" (web_url: Enter a valid http(s) URL`);
    expect(result.error).toContain(`"bad name <script>" (name: Enter a valid PDM remote id`);
    expect(result.error).toContain(`"inv-data-url" (web_url:`);

    const after = (await rowNamed(kept!.id))!;
    expect(after).toMatchObject({ id: before.id, webUrl: before.webUrl, version: before.version });
    expect(await rowNamed("bad name <script>")).toBeUndefined();
    expect(await rowNamed("inv-data-url")).toBeUndefined();
    expect((await rowNamed("inv-fine"))?.webUrl).toBe("https://inv-fine.example.net:8006/");
  });

  it("the API refuses non-http(s) web URLs", async () => {
    const ctx = ctxFor(get());
    for (const url of ["javascript:alert(1)", "data:text/html,x", "vbscript:x", "file:///etc/passwd", "not a url"]) {
      const err = await pdmRemoteService.create(ctx, { pdm_endpoint: endpointId, name: "api-web-url", remote_type: "pve", web_url: url }).catch((e: unknown) => e);
      expect((err as { fields?: Record<string, string[]> }).fields, url).toEqual({ web_url: ["Enter a valid http(s) URL, or leave it empty."] });
    }
    const ok = await pdmRemoteService.create(ctx, { pdm_endpoint: endpointId, name: "api-web-url", remote_type: "pve", web_url: "HTTPS://pve.example.net:8006/" });
    expect(ok.web_url).toBe("HTTPS://pve.example.net:8006/");
    expect((await pdmRemoteService.update(ctx, ok.id, { web_url: "" }, { partial: true })).web_url).toBeNull();
  });
});
