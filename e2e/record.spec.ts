import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { adminHeaders, apiCreate, authFile, keepScreenshot, SIM, simControl, simState, unique } from "./support";

// The record tells the truth (issue 16), as a person reads it: a run that marked remotes
// unreachable says so; the changes a person applied later by merging a run's branch are on the
// run's page, credited to the person and the run; and no link on the change log, a run's page or
// a branch's page leads to a missing page (every link is followed).

test.use({ storageState: authFile("editor") });
test.describe.configure({ mode: "serial" });

const SETTINGS = "/api/plugins/pdm/settings/";

async function api<T = Record<string, unknown>>(request: APIRequestContext, url: string): Promise<T> {
  const res = await request.get(url, { headers: adminHeaders });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as T;
}

interface Run {
  id: number;
  status: string;
  branch: string | null;
  unreachable: number;
  counts_applied: boolean;
}

async function syncAndWait(request: APIRequestContext, endpointId: number): Promise<Run> {
  const res = await request.post(`/api/plugins/pdm/endpoints/${endpointId}/sync/`, { headers: adminHeaders });
  expect(res.status(), await res.text()).toBe(202);
  const id = ((await res.json()) as { id: number }).id;
  let run: Run | null = null;
  await expect
    .poll(async () => (run = await api<Run>(request, `/api/plugins/pdm/sync-runs/${id}/`)).status, { timeout: 45_000, intervals: [250, 500, 1000] })
    .toMatch(/^(succeeded|partial|failed|left_open)$/);
  return run!;
}

/** Every same-site link inside the page's main content answers below 400 (each followed once). */
async function expectNoDeadLinks(page: Page, request: APIRequestContext, path: string, followed: Set<string>): Promise<number> {
  await page.goto(path);
  await expect(page.locator("main")).toBeVisible();
  const hrefs = await page.locator("main a[href]").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
  const origin = new URL(page.url()).origin;
  let checked = 0;
  for (const href of new Set(hrefs)) {
    if (!href.startsWith(origin) || followed.has(href)) continue;
    followed.add(href);
    const res = await page.request.get(href, { maxRedirects: 0 });
    expect(res.status(), `${path}: the link ${href} answers ${res.status()}`).toBeLessThan(400);
    checked++;
  }
  return checked;
}

let originalBranching: unknown = false;

test.beforeAll(async ({ playwright, baseURL }) => {
  const request = await playwright.request.newContext({ baseURL });
  originalBranching = (await api(request, SETTINGS)).branching_enabled;
  await request.dispose();
});

test.afterAll(async ({ playwright, baseURL }) => {
  const request = await playwright.request.newContext({ baseURL });
  await request.patch(SETTINGS, { headers: adminHeaders, data: { branching_enabled: originalBranching ?? false } });
  await simControl(request, "DELETE", "faults");
  for (const r of (await simState(request)).remotes) await simControl(request, "POST", `remotes/${encodeURIComponent(r.id)}/online`);
  await request.dispose();
});

test("a run with unreachable remotes says so; a later merge's changes are on its run's page; no link leads nowhere", async ({ page, request }) => {
  test.setTimeout(150_000);
  await request.patch(SETTINGS, { headers: adminHeaders, data: { branching_enabled: false } });
  const state = await simState(request);
  const ep = (await apiCreate(request, "/api/plugins/pdm/endpoints/", {
    name: unique("e2e-record"),
    host: "127.0.0.1",
    port: SIM.port(),
    token_id: SIM.tokenId,
    token_secret: SIM.secret,
    fingerprint: state.fingerprint,
  })) as { id: number; name: string };
  await syncAndWait(request, ep.id);

  // Two remotes PDM cannot reach: the run succeeds, with a warning and the count.
  const [a, b] = state.remotes;
  await simControl(request, "POST", `remotes/${encodeURIComponent(a!.id)}/offline`, { reason: "connection refused" });
  await simControl(request, "POST", `remotes/${encodeURIComponent(b!.id)}/offline`, { reason: "no route to host" });
  const warned = await syncAndWait(request, ep.id);
  expect(warned).toMatchObject({ status: "succeeded", unreachable: 2 });
  await page.goto(`/plugins/pdm/sync-runs/${warned.id}/`);
  await expect(page.getByRole("heading", { level: 1 }).getByTestId("run-unreachable")).toHaveText("2 unreachable");
  await expect(page.getByTestId("run-warnings")).toContainText(`${ep.name}: 2 remotes unreachable`);
  await expect(page.getByTestId("run-unreachable-count")).toHaveText("2 remotes");
  await expect(page.getByTestId(`step-outcome-fetch-endpoint-${ep.id}`)).toContainText("warning");
  await keepScreenshot(page, "run-unreachable");
  await simControl(request, "POST", `remotes/${encodeURIComponent(a!.id)}/online`);
  await simControl(request, "POST", `remotes/${encodeURIComponent(b!.id)}/online`);

  // A branch left open by a conflict, merged later by the editor: its changes are on the run's page.
  await request.patch(SETTINGS, { headers: adminHeaders, data: { branching_enabled: true, branch_on_conflict: "abort" } });
  const target = state.remotes.find((r) => r.type === "pve" && r.id !== a!.id && r.id !== b!.id)!;
  const remote = (await api<{ results: { id: number; name: string }[] }>(request, `/api/plugins/pdm/remotes/?pdm_endpoint_id=${ep.id}&name=${encodeURIComponent(target.id)}`)).results[0]!;
  await simControl(request, "POST", `remotes/${encodeURIComponent(target.id)}/version`, { version: "9.9.5-record" });
  await simControl(request, "POST", "faults", { kind: "latency", path: "^/remotes/remote$", latencyMs: 4000, times: 1 });
  const res = await request.post(`/api/plugins/pdm/endpoints/${ep.id}/sync/`, { headers: adminHeaders });
  const runId = ((await res.json()) as { id: number }).id;
  await expect.poll(async () => (await api<Run>(request, `/api/plugins/pdm/sync-runs/${runId}/`)).branch, { timeout: 20_000, intervals: [100, 200] }).not.toBeNull();
  const edit = await request.patch(`/api/plugins/pdm/remotes/${remote.id}/`, { headers: adminHeaders, data: { version: "set-on-main" } });
  expect(edit.status()).toBe(200);
  let run: Run | null = null;
  await expect.poll(async () => (run = await api<Run>(request, `/api/plugins/pdm/sync-runs/${runId}/`)).status, { timeout: 45_000 }).toBe("left_open");
  await page.goto(`/plugins/pdm/sync-runs/${runId}/`);
  await expect(page.getByTestId("run-counts")).toContainText("proposed, not applied");
  await page.goto(`/plugins/pdm/branches/${encodeURIComponent(run!.branch!)}/`);
  await page.getByLabel("I acknowledge the conflict", { exact: false }).check();
  await page.getByRole("button", { name: "Merge" }).click();
  await expect(page.getByText("Branch merged:")).toBeVisible({ timeout: 20_000 });
  await page.goto(`/plugins/pdm/sync-runs/${runId}/`);
  await expect(page.getByTestId("run-counts")).toContainText("applied when merged by editor");
  const merged = page.getByTestId("change-row").filter({ hasText: remote.name });
  await expect(merged).toHaveCount(1);
  await expect(merged.getByTestId("change-merged-by")).toHaveText(`editor merging sync run #${runId}`);
  await keepScreenshot(page, "run-merged-later");

  // A remote deleted since: links to it lead to its change log, never to a missing page.
  await request.patch(SETTINGS, { headers: adminHeaders, data: { branching_enabled: false } });
  const del = await request.delete(`/api/plugins/pdm/remotes/${remote.id}/`, { headers: adminHeaders });
  expect(del.status()).toBe(204);
  const settingsEdit = await request.patch(SETTINGS, { headers: adminHeaders, data: { pdm_fetch_concurrency: 8 } });
  expect(settingsEdit.status()).toBe(200);

  const followed = new Set<string>();
  let checked = 0;
  checked += await expectNoDeadLinks(page, request, "/core/changelog/", followed);
  checked += await expectNoDeadLinks(page, request, "/core/changelog/?changed_object_type=netbox_pdm.pdmsettings", followed);
  checked += await expectNoDeadLinks(page, request, `/plugins/pdm/sync-runs/${runId}/`, followed);
  checked += await expectNoDeadLinks(page, request, `/plugins/pdm/sync-runs/${warned.id}/`, followed);
  checked += await expectNoDeadLinks(page, request, `/plugins/pdm/branches/${encodeURIComponent(run!.branch!)}/`, followed);
  expect(checked).toBeGreaterThan(10);
  expect((await page.request.get("/favicon.ico")).status()).toBe(200);
});
