import { expect, test } from "@playwright/test";
import { adminHeaders, apiCreate, authFile, keepScreenshot, SIM, simControl, simState, unique } from "./support";

// A PDM endpoint against the simulator, through the UI: Test connection and pinning, Sync now
// with live progress, the remotes it brings, link overrides, drift, settings.

test.use({ storageState: authFile("editor") });

test("test connection, pin the fingerprint, sync now, see the remotes and the run's changes", async ({ page, request }) => {
  const state = await simState(request);
  const ep = await apiCreate(request, "/api/plugins/pdm/endpoints/", {
    name: unique("e2e-pdm"),
    host: "127.0.0.1",
    port: SIM.port(),
    token_id: SIM.tokenId,
    token_secret: SIM.secret,
    verify_ssl: true,
  });
  await page.goto(`/plugins/pdm/endpoints/${ep.id}/`);
  await page.getByRole("button", { name: "Test connection" }).click();
  const result = page.getByTestId("connection-result");
  await expect(result).toContainText(state.fingerprint);
  await expect(page.getByTestId("connection-error")).toContainText("self-signed");
  await page.getByRole("button", { name: "Pin this fingerprint" }).click();
  // A new pin decides where the stored secret goes: it must be entered again.
  await page.getByRole("button", { name: "Pin", exact: true }).click();
  await expect(page.getByRole("alert").filter({ hasText: "blank" })).toBeVisible();
  await page.getByLabel(/API token secret/).fill(SIM.secret);
  await page.getByRole("button", { name: "Pin", exact: true }).click();
  await expect(result).toContainText("Pinned");
  await page.reload();
  await expect(page.getByText("Pinned: only this certificate is accepted.")).toBeVisible();
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(result).toContainText("1.1.7");
  await expect(result).toContainText("matches the pin");
  await keepScreenshot(page, "endpoint-test-connection");

  // Each remote's version call answers after 1.5 s (8 at a time): the run takes a few seconds,
  // long enough to watch its progress on the run page refresh itself.
  const n = state.remotes.length;
  await simControl(request, "POST", "faults", { kind: "latency", path: "^/remotes/remote/[^/]+/version$", latencyMs: 1500, times: n });
  try {
    await page.getByRole("button", { name: "Sync now" }).click();
    await expect(page).toHaveURL(/\/plugins\/pdm\/sync-runs\/\d+\/$/);
    const progress = page.getByTestId("run-progress");
    await expect(progress).toBeVisible();
    await expect(page.getByRole("status")).toContainText("updating live");
    await expect(page.getByText("Current step:")).toBeVisible();
    // Some remotes fetched, not all yet: the page moved on by itself while the run was under way.
    await expect
      .poll(
        async () => {
          const [done, total] = ((await page.getByTestId("progress-remotes-fetched").textContent()) ?? "").split(" / ").map(Number);
          return total === n && done! > 0 && done! < n;
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    await keepScreenshot(page, "sync-run-progress");
    await expect(page.getByRole("heading", { level: 1 })).toContainText("succeeded", { timeout: 30_000 });
    await expect(progress).toBeHidden();
  } finally {
    await simControl(request, "DELETE", "faults");
  }
  await expect(page.getByTestId("run-endpoints")).toContainText(String(ep.name));
  await expect(page.getByTestId("run-endpoints")).toContainText(`${state.remotes.length} / 0 / 0 / 0`);
  await expect(page.getByText(`Changes made (${state.remotes.length + 1})`)).toBeVisible();
  await keepScreenshot(page, "sync-run");

  await page.goto(`/plugins/pdm/remotes/?pdm_endpoint_id=${ep.id}`);
  await expect(page.getByTestId("list-count")).toHaveText(`Showing 1–${state.remotes.length} of ${state.remotes.length}`);
  await page.goto(`/plugins/pdm/remotes/?pdm_endpoint_id=${ep.id}&remote_type=pbs`);
  const pbsCount = state.remotes.filter((r) => r.type === "pbs").length;
  await expect(page.getByTestId("list-count")).toHaveText(`Showing 1–${pbsCount} of ${pbsCount}`);
  await keepScreenshot(page, "remotes");
  await page.goto("/plugins/pdm/sync-runs/");
  await expect(page.getByRole("cell", { name: "succeeded" }).first()).toBeVisible();
  await page.goto("/");
  await expect(page.getByTestId("latest-runs")).toContainText("succeeded");
  await keepScreenshot(page, "home-after-sync");
});

test("link a remote by hand, reset it to automatic, and see drift", async ({ page, request }) => {
  const state = await simState(request);
  const pve = await apiCreate(request, "/api/plugins/proxbox/endpoints/", { name: unique("e2e-pve"), host: "manual.e2e.example" });
  const ep = await apiCreate(request, "/api/plugins/pdm/endpoints/", {
    name: unique("e2e-pdm"),
    host: "127.0.0.1",
    port: SIM.port(),
    token_id: SIM.tokenId,
    token_secret: SIM.secret,
    fingerprint: state.fingerprint,
  });
  const run = await request.post(`/api/plugins/pdm/endpoints/${ep.id}/sync/`, { headers: adminHeaders });
  expect(run.status()).toBe(202);
  const runId = (await run.json()).id as number;
  await expect
    .poll(async () => (await (await request.get(`/api/plugins/pdm/sync-runs/${runId}/`, { headers: adminHeaders })).json()).status, { timeout: 30_000 })
    .toBe("succeeded");
  const remotes = await (await request.get(`/api/plugins/pdm/remotes/?pdm_endpoint_id=${ep.id}&remote_type=pve&limit=1`, { headers: adminHeaders })).json();
  const remote = remotes.results[0] as { id: number; name: string };
  await page.goto(`/plugins/pdm/remotes/${remote.id}/edit/`);
  await page.getByLabel("Linked Proxmox endpoint").selectOption(String(pve.id));
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(remote.name);
  await expect(page.locator("main")).toContainText("manual");
  await page.goto(`/plugins/pdm/endpoints/${ep.id}/`);
  await expect(page.getByTestId("drift")).toContainText(`${remote.name} → ${pve.name}`);
  await page.goto(`/plugins/pdm/remotes/${remote.id}/edit/`);
  await page.getByRole("button", { name: "Reset to automatic" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(remote.name);
  await expect(page.locator("main")).not.toContainText("manual");
});

test.describe("plugin settings", () => {
  test.use({ storageState: authFile("admin") });
  test("an admin edits the settings with inline validation", async ({ page }) => {
    await page.goto("/plugins/pdm/settings/");
    await page.getByLabel("Sync schedule").fill("every hour");
    await page.getByLabel("PDM fetch concurrency").fill("99");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByTestId("error-sync_schedule")).toContainText("cron");
    await expect(page.getByTestId("error-pdm_fetch_concurrency")).toContainText("64");
    await page.getByLabel("Sync schedule").fill("");
    await page.getByLabel("PDM fetch concurrency").fill("8");
    await page.getByLabel("Branch name prefix").fill("pdm-sync");
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByText("Settings saved.")).toBeVisible();
    await keepScreenshot(page, "settings");
  });
});
