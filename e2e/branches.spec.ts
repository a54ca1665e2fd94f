import { expect, test, type APIRequestContext, type Browser } from "@playwright/test";
import { adminHeaders, apiCreate, authFile, keepScreenshot, SIM, simControl, simState, unique } from "./support";

// Branching end to end (SPEC §5, §9): a sync run whose change conflicts with an edit made on main
// while the run is under way is left open; an editor reviews its diff (base / branch / main),
// is stopped from merging without acknowledging the conflict, merges with it, and sees the
// database change on the remote. A viewer sees no merge or discard buttons. Another such branch is
// discarded. Branching is switched on for this file only and switched back off at the end.

test.use({ storageState: authFile("editor") });
test.describe.configure({ mode: "serial" });

// A prefix with characters a URL must encode: the branch's page must still be found.
const PREFIX = `e2e-zweig#ä%${Date.now().toString(36)}`;
const SETTINGS = "/api/plugins/pdm/settings/";

let originalSettings: Record<string, unknown> = {};
/** Simulator remotes whose version this file changed, with their original versions. */
const touched = new Map<string, string>();

async function api<T = Record<string, unknown>>(request: APIRequestContext, url: string): Promise<T> {
  const res = await request.get(url, { headers: adminHeaders });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as T;
}

interface Run {
  id: number;
  status: string;
  branch: string | null;
  merge_outcome: string | null;
}

async function syncEndpoint(request: APIRequestContext, endpointId: number): Promise<number> {
  const res = await request.post(`/api/plugins/pdm/endpoints/${endpointId}/sync/`, { headers: adminHeaders });
  expect(res.status(), await res.text()).toBe(202);
  return ((await res.json()) as { id: number }).id;
}

async function waitForRun(request: APIRequestContext, runId: number, statuses: string[]): Promise<Run> {
  let run: Run | null = null;
  await expect
    .poll(
      async () => {
        run = await api<Run>(request, `/api/plugins/pdm/sync-runs/${runId}/`);
        return run.status;
      },
      { timeout: 45_000, intervals: [250, 500, 1000] },
    )
    .toMatch(new RegExp(`^(${statuses.join("|")})$`));
  return run!;
}

/** An endpoint on the simulator, synced once (its branch merges: nothing conflicts yet). */
async function syncedEndpoint(request: APIRequestContext) {
  const state = await simState(request);
  const ep = await apiCreate(request, "/api/plugins/pdm/endpoints/", {
    name: unique("e2e-branch"),
    host: "127.0.0.1",
    port: SIM.port(),
    token_id: SIM.tokenId,
    token_secret: SIM.secret,
    fingerprint: state.fingerprint,
  });
  const first = await waitForRun(request, await syncEndpoint(request, ep.id as number), ["succeeded", "partial", "failed", "left_open"]);
  expect(first, JSON.stringify(first)).toMatchObject({ status: "succeeded", merge_outcome: "merged" });
  return { ep: ep as { id: number; name: string }, firstBranch: first.branch! };
}

/**
 * A run left open for real: PDM reports a new version of one remote; while the run is slowed down
 * by a latency fault (after its branch was created from main), the same field of the same remote
 * is edited through the REST API. Both changed `version` from the base to different values.
 */
async function leftOpenBranch(request: APIRequestContext, endpointId: number, remoteIndex: number, versions: { pdm: string; main: string }) {
  const remotes = (await simState(request)).remotes as { id: string; type: string; version?: string }[];
  const target = remotes.filter((r) => r.type === "pve")[remoteIndex]!;
  if (!touched.has(target.id)) touched.set(target.id, target.version ?? "");
  const list = await api<{ results: { id: number; name: string; version: string | null }[] }>(
    request,
    `/api/plugins/pdm/remotes/?pdm_endpoint_id=${endpointId}&name=${encodeURIComponent(target.id)}`,
  );
  const remote = list.results[0]!;
  await simControl(request, "POST", `remotes/${encodeURIComponent(target.id)}/version`, { version: versions.pdm });
  await simControl(request, "POST", "faults", { kind: "latency", path: "^/remotes/remote$", latencyMs: 4000, times: 1 });
  const runId = await syncEndpoint(request, endpointId);
  // The branch exists (its base taken from main) before the run's first PDM request.
  await expect.poll(async () => (await api<Run>(request, `/api/plugins/pdm/sync-runs/${runId}/`)).branch, { timeout: 20_000, intervals: [100, 200] }).not.toBeNull();
  const during = await api<Run>(request, `/api/plugins/pdm/sync-runs/${runId}/`);
  expect(during.status, "the edit must land while the run is under way").toMatch(/^(queued|running)$/);
  const edit = await request.patch(`/api/plugins/pdm/remotes/${remote.id}/`, { headers: adminHeaders, data: { version: versions.main } });
  expect(edit.status(), await edit.text()).toBe(200);
  const run = await waitForRun(request, runId, ["succeeded", "partial", "failed", "left_open"]);
  expect(run, JSON.stringify(run)).toMatchObject({ status: "left_open" });
  expect(run.branch!.startsWith(PREFIX)).toBe(true);
  return { run, branch: run.branch!, remote: { id: remote.id, name: remote.name, baseVersion: remote.version } };
}

test.beforeAll(async ({ playwright, baseURL }) => {
  const request = await playwright.request.newContext({ baseURL });
  originalSettings = await api(request, SETTINGS);
  const res = await request.patch(SETTINGS, { headers: adminHeaders, data: { branching_enabled: true, branch_on_conflict: "abort", branch_name_prefix: PREFIX } });
  expect(res.status(), await res.text()).toBe(200);
  await request.dispose();
});

test.afterAll(async ({ playwright, baseURL }) => {
  // Leave the app and the shared simulator as the other specs expect them.
  const request = await playwright.request.newContext({ baseURL });
  const { branching_enabled, branch_on_conflict, branch_name_prefix } = originalSettings as Record<string, unknown>;
  const res = await request.patch(SETTINGS, {
    headers: adminHeaders,
    data: { branching_enabled: branching_enabled ?? false, branch_on_conflict: branch_on_conflict ?? "abort", branch_name_prefix: branch_name_prefix ?? "pdm-sync" },
  });
  expect(res.status(), await res.text()).toBe(200);
  await simControl(request, "DELETE", "faults");
  for (const [id, version] of touched) await simControl(request, "POST", `remotes/${encodeURIComponent(id)}/version`, { version });
  await request.dispose();
});

async function viewerSeesNoButtons(browser: Browser, baseURL: string, branch: string) {
  const ctx = await browser.newContext({ baseURL, storageState: authFile("viewer") });
  const page = await ctx.newPage();
  await page.goto(`/plugins/pdm/branches/${encodeURIComponent(branch)}/`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(branch);
  await expect(page.getByTestId("conflict-row")).toHaveCount(1);
  await expect(page.getByTestId("review-readonly")).toContainText("Editors and admins can merge or discard it.");
  await expect(page.getByRole("button", { name: "Merge" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Discard" })).toHaveCount(0);
  await ctx.close();
}

test("a run left open by a conflicting edit: review the diff, merge only with acknowledgement", async ({ page, request, browser, baseURL }) => {
  test.setTimeout(120_000);
  // Before any run has used branching (a fresh e2e database), the list says how to get branches.
  await page.goto("/plugins/pdm/branches/");
  if ((await page.getByTestId("list-count").count()) === 0) await expect(page.getByTestId("empty-state")).toContainText("branching is enabled in Plugin Settings");
  const { ep, firstBranch } = await syncedEndpoint(request);
  const { run, branch, remote } = await leftOpenBranch(request, ep.id, 1, { pdm: "9.9.7-e2e", main: "edited-on-main" });

  // The list: the merged first branch and the open one, with status, run and conflict count.
  await page.goto(`/plugins/pdm/branches/?q=${encodeURIComponent(PREFIX)}`);
  const openRow = page.getByRole("row").filter({ has: page.getByRole("link", { name: branch, exact: true }) });
  await expect(openRow).toContainText("open");
  await expect(openRow.getByRole("link", { name: `#${run.id}` })).toBeVisible();
  await expect(openRow.getByRole("cell").nth(4)).toHaveText("1");
  await expect(page.getByRole("row").filter({ has: page.getByRole("link", { name: firstBranch, exact: true }) })).toContainText("merged");
  await keepScreenshot(page, "branches-list");
  await page.goto(`/plugins/pdm/branches/?status=open&q=${encodeURIComponent(PREFIX)}`);
  await expect(page.getByTestId("list-count")).toHaveText("Showing 1–1 of 1");

  // A viewer may read the diff but neither merge nor discard.
  await viewerSeesNoButtons(browser, baseURL!, branch);

  // The diff page, reached from the list (the name is URL-encoded in the link).
  await page.getByRole("link", { name: branch, exact: true }).click();
  await expect(page).toHaveURL(`/plugins/pdm/branches/${encodeURIComponent(branch)}/`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(branch);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("open");
  const changed = page.getByTestId("diff-group-update").getByTestId("diff-object").filter({ hasText: remote.name });
  await expect(changed).toContainText("1 conflict");
  const conflict = changed.getByTestId("conflict-row");
  await expect(conflict).toHaveAttribute("data-field", "version");
  await expect(conflict.locator('[data-col="base"]')).toHaveText(remote.baseVersion ?? "—");
  await expect(conflict.locator('[data-col="branch"]')).toHaveText("9.9.7-e2e");
  await expect(conflict.locator('[data-col="main"]')).toHaveText("edited-on-main");
  await expect(page.getByText("1 conflicting field")).toBeVisible();
  await keepScreenshot(page, "branch-diff");
  await page.setViewportSize({ width: 420, height: 900 });
  await keepScreenshot(page, "branch-diff-narrow");
  await page.setViewportSize({ width: 1280, height: 800 });

  // Merge without acknowledging: refused, nothing changes.
  await page.getByRole("button", { name: "Merge" }).click();
  await expect(page.getByTestId("branch-action-error")).toContainText("conflicts must be acknowledged");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("open");
  expect((await api<{ version: string }>(request, `/api/plugins/pdm/remotes/${remote.id}/`)).version).toBe("edited-on-main");

  // Acknowledge and merge: the branch's value wins.
  await page.getByLabel("I acknowledge the conflict", { exact: false }).check();
  await page.getByRole("button", { name: "Merge" }).click();
  await expect(page.getByText("Branch merged:")).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole("heading", { level: 1 })).toContainText("merged");
  await expect(page.getByRole("button", { name: "Merge" })).toHaveCount(0);
  await expect(page.locator("main")).toContainText("Merged into main by editor");
  await keepScreenshot(page, "branch-merged");

  // The database value changed, and the remote's history from main shows the merge.
  await page.goto(`/plugins/pdm/remotes/${remote.id}/`);
  await expect(page.getByRole("row", { name: /^Version/ })).toContainText("9.9.7-e2e");
  const history = page.getByTestId("remote-history");
  await expect(history.getByTestId("history-row").first()).toContainText(`Merge ${branch}`);
  await expect(history.getByTestId("history-row").first()).toContainText("9.9.7-e2e");
  await expect(history.getByTestId("history-row").first().getByRole("link", { name: `branch ${branch}`, exact: true })).toHaveAttribute("href", `/plugins/pdm/branches/${encodeURIComponent(branch)}/`);
  await expect(history).toContainText("created");
  await keepScreenshot(page, "remote-history");
  const runPage = await api<Run>(request, `/api/plugins/pdm/sync-runs/${run.id}/`);
  expect(runPage.merge_outcome).toBe("merged by editor");
  // The run stays `left_open` (what it did); its page says the branch was merged since.
  await page.goto(`/plugins/pdm/sync-runs/${run.id}/`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("left open then merged");
});

test("discard a branch left open, with confirmation", async ({ page, request }) => {
  test.setTimeout(120_000);
  const { ep } = await syncedEndpoint(request);
  const { branch, remote } = await leftOpenBranch(request, ep.id, 2, { pdm: "9.9.8-e2e", main: "kept-on-main" });
  await page.goto(`/plugins/pdm/branches/${encodeURIComponent(branch)}/`);
  await page.getByRole("button", { name: "Discard" }).click();
  const confirm = page.getByRole("alertdialog", { name: "Confirm discard" });
  await expect(confirm).toContainText(branch);
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("open");
  await page.getByRole("button", { name: "Discard" }).click();
  await page.getByRole("button", { name: "Confirm discard" }).click();
  await expect(page.getByText("Branch discarded")).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole("heading", { level: 1 })).toContainText("discarded");
  await expect(page.locator("main")).toContainText("Discarded by editor");
  expect((await api<{ version: string }>(request, `/api/plugins/pdm/remotes/${remote.id}/`)).version).toBe("kept-on-main");
  await page.goto(`/plugins/pdm/branches/?status=discarded&q=${encodeURIComponent(PREFIX)}`);
  await expect(page.getByRole("row").filter({ has: page.getByRole("link", { name: branch, exact: true }) })).toContainText("discarded");
});
