import { expect, test, type Page } from "@playwright/test";
import { KIND_TYPES, objectType, type Kind } from "../lib/object-types";
import { adminHeaders, apiCreate, authFile, keepScreenshot, unique } from "./support";

// Every object type through the UI, NetBox style: create, view, edit, changelog, filter, export,
// delete and bulk delete, inline validation errors, and roles.

/** The text of the CSV a click on "Export CSV" downloads. */
async function exportCsv(page: Page): Promise<string> {
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const stream = await (await download).createReadStream();
  return new Promise<string>((resolve) => {
    let s = "";
    stream.on("data", (c: Buffer) => (s += c.toString()));
    stream.on("end", () => resolve(s));
  });
}

const FP = "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99";

/** What the registry cannot know of a kind: how to fill its form, a valid body, one invalid input. */
interface Sample {
  fill(page: Page, name: string): Promise<void>;
  body(name: string): Record<string, unknown>;
  bad?: { fill(page: Page): Promise<void>; field: string; message: RegExp };
}

// Every registered kind must have a sample (the Record makes a new kind without one a type error).
const SAMPLES: Record<Kind, Sample | null> = {
  "site": {
    fill: async (p, n) => {
      await p.getByLabel("Name").fill(n);
      await p.getByLabel("Slug").fill(n.toLowerCase());
    },
    body: (n) => ({ name: n, slug: n.toLowerCase() }),
    bad: { fill: async (p) => (await p.getByLabel("Name").fill("Bad"), await p.getByLabel("Slug").fill("Not a slug")), field: "slug", message: /valid slug/ },
  },
  "tenant": {
    fill: async (p, n) => {
      await p.getByLabel("Name").fill(n);
      await p.getByLabel("Slug").fill(n.toLowerCase());
    },
    body: (n) => ({ name: n, slug: n.toLowerCase() }),
  },
  "proxmox-endpoint": {
    fill: async (p, n) => {
      await p.getByLabel("Name").fill(n);
      await p.getByLabel("Host").fill("pve.e2e.example");
      await p.getByLabel("Fingerprint").fill(FP.toUpperCase());
    },
    body: (n) => ({ name: n, host: "pve.e2e.example" }),
    bad: { fill: async (p) => (await p.getByLabel("Name").fill("x"), await p.getByLabel("Host").fill("h.example"), await p.getByLabel("Fingerprint").fill("12:34")), field: "fingerprint", message: /SHA-256/ },
  },
  "pbs-server": {
    fill: async (p, n) => {
      await p.getByLabel("Name").fill(n);
      await p.getByLabel("Host").fill("2001:db8::42");
    },
    body: (n) => ({ name: n, host: "pbs.e2e.example" }),
    bad: { fill: async (p) => (await p.getByLabel("Name").fill("x"), await p.getByLabel("Host").fill("h.example"), await p.getByLabel("Port").fill("70000")), field: "port", message: /65535/ },
  },
  "pdm-endpoint": {
    fill: async (p, n) => {
      await p.getByLabel("Name").fill(n);
      await p.getByLabel("Host").fill("pdm.e2e.example");
      await p.getByLabel("API token id").fill("root@pam!e2e");
      await p.getByLabel("API token secret").fill("e2e-secret-value");
    },
    body: (n) => ({ name: n, host: "pdm.e2e.example", token_id: "root@pam!e2e", token_secret: "s" }),
    bad: { fill: async (p) => (await p.getByLabel("Name").fill("x"), await p.getByLabel("Host").fill("h.example"), await p.getByLabel("API token id").fill("root")), field: "token_id", message: /user@realm!tokenname/ },
  },
  "user": {
    fill: async (p, n) => {
      await p.getByLabel("Username").fill(n);
      await p.getByLabel("Password").fill("a-long-password");
    },
    body: (n) => ({ username: n, password: "a-long-password" }),
    bad: { fill: async (p) => (await p.getByLabel("Username").fill("shortpw"), await p.getByLabel("Password").fill("short")), field: "password", message: /too short/ },
  },
  // Remotes come from PDM: no form to add one (their own spec below).
  "pdm-remote": null,
};

interface Row extends Sample {
  name: Kind;
  list: string;
  api: string;
  role: "editor" | "admin";
  heading: string;
}

// The rows come from the registry: each kind's pages, API path, the role that may write it.
const ROWS: Row[] = (Object.keys(SAMPLES) as Kind[]).flatMap((kind) => {
  const sample = SAMPLES[kind];
  if (!sample) return [];
  const t = objectType(KIND_TYPES[kind]);
  const heading = t.plural.charAt(0).toUpperCase() + t.plural.slice(1);
  return [{ ...sample, name: kind, list: t.uiPath, api: t.apiPath, role: t.permissions.write === "inventory.write" ? ("editor" as const) : ("admin" as const), heading }];
});

for (const row of ROWS) {
  test.describe(`${row.name} through the UI`, () => {
    test.use({ storageState: authFile(row.role) });

    test("create, view, edit, changelog, filter, export, delete", async ({ page }) => {
      const name = unique(`e2e-${row.name}`);
      await page.goto(row.list);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(row.heading);
      await expect(page).toHaveTitle(`${row.heading} | netbox-pdm`);
      await page.getByRole("link", { name: "+ Add" }).click();
      await expect(page).toHaveTitle(new RegExp(`^Add a .+ \\| ${row.heading} \\| netbox-pdm$`));
      await row.fill(page, name);
      await page.getByRole("button", { name: "Create" }).click();
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
      await expect(page).toHaveTitle(`${name} | ${row.heading} | netbox-pdm`);
      await keepScreenshot(page, `${row.name}-detail`);
      const detailUrl = page.url();

      await page.getByRole("link", { name: "Edit" }).click();
      await expect(page).toHaveTitle(`Edit ${name} | ${row.heading} | netbox-pdm`);
      if (row.name !== "user") {
        await page.getByLabel("Description").fill("edited in e2e");
        await page.getByRole("button", { name: "Save" }).click();
        await expect(page.getByText("edited in e2e")).toBeVisible();
      } else {
        await page.getByLabel("Role").selectOption("editor");
        await page.getByRole("button", { name: "Save" }).click();
        await expect(page.locator("main").getByText("editor", { exact: true })).toBeVisible();
      }
      await page.getByRole("link", { name: "Changelog" }).click();
      await expect(page).toHaveTitle(`${name} – Changelog | ${row.heading} | netbox-pdm`);
      const log = page.getByTestId("changelog");
      await expect(log.getByTestId("change-row")).toHaveCount(2);
      await expect(log).toContainText("create");
      await expect(log).toContainText("update");

      await page.goto(`${row.list}?q=${encodeURIComponent(name)}`);
      await expect(page.getByTestId("list-count")).toHaveText("Showing 1–1 of 1");
      await keepScreenshot(page, `${row.name}-list`);
      const text = await exportCsv(page);
      expect(text.split("\r\n")[1]).toContain(name);
      expect(text.trim().split("\r\n")).toHaveLength(2);
      expect(text).not.toContain("e2e-secret-value");

      await page.goto(detailUrl);
      await page.getByRole("button", { name: "Delete" }).click();
      await page.getByRole("button", { name: "Confirm delete" }).click();
      await expect(page).toHaveURL(new RegExp(`${row.list}$`));
      await page.goto(`${row.list}?q=${encodeURIComponent(name)}`);
      await expect(page.getByTestId("empty-state")).toBeVisible();
    });

    test("bulk delete with confirmation", async ({ page, request }) => {
      const prefix = unique(`bulk-${row.name}`);
      for (const n of ["a", "b"]) await apiCreate(request, row.api, row.body(`${prefix}-${n}`));
      await page.goto(`${row.list}?q=${encodeURIComponent(prefix)}`);
      await expect(page.getByTestId("list-count")).toHaveText("Showing 1–2 of 2");
      await page.getByLabel("Select all rows").check();
      await page.getByRole("button", { name: "Delete selected" }).click();
      await expect(page.getByTestId("bulk-delete-list").locator("li")).toHaveCount(2);
      await page.getByRole("button", { name: "Confirm delete" }).click();
      await expect(page.getByTestId("empty-state")).toBeVisible();
    });

    if (row.bad) {
      const bad = row.bad;
      test("shows validation errors inline, including a duplicate name", async ({ page, request }) => {
        await page.goto(`${row.list}add/`);
        await bad.fill(page);
        await page.getByRole("button", { name: "Create" }).click();
        await expect(page.getByTestId(`error-${bad.field}`)).toHaveText(bad.message);
        const taken = unique(`dup-${row.name}`);
        await apiCreate(request, row.api, row.body(taken));
        await page.goto(`${row.list}add/`);
        await row.fill(page, taken);
        await page.getByRole("button", { name: "Create" }).click();
        await expect(page.getByTestId(`error-${row.name === "user" ? "username" : "name"}`)).toContainText("already exists");
      });
    }
  });
}

test.describe("PDM remotes through the UI", () => {
  test.use({ storageState: authFile("editor") });
  // Remotes come from sync (no Add form); the API stands in for it here.
  test("view, filter, export and delete a remote", async ({ page, request }) => {
    const ep = await apiCreate(request, "/api/plugins/pdm/endpoints/", { name: unique("e2e-rem-pdm"), host: "pdm.e2e.example", token_id: "root@pam!e2e", token_secret: "e2e-secret-value" });
    const name = unique("e2e-remote");
    const remote = await apiCreate(request, "/api/plugins/pdm/remotes/", { pdm_endpoint: ep.id, name, remote_type: "pbs", version: "4.0" });
    await apiCreate(request, "/api/plugins/pdm/remotes/", { pdm_endpoint: ep.id, name: `${name}-other`, remote_type: "pve" });
    await page.goto(`/plugins/pdm/remotes/?pdm_endpoint_id=${String(ep.id)}&remote_type=pbs`);
    await expect(page).toHaveTitle("PDM remotes | netbox-pdm");
    await expect(page.getByTestId("list-count")).toHaveText("Showing 1–1 of 1");
    const text = await exportCsv(page);
    const lines = text.trim().split("\r\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(name);
    expect(text).not.toContain(`${name}-other`);
    expect(text).not.toContain("e2e-secret-value");

    await page.goto(`/plugins/pdm/remotes/${String(remote.id)}/`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
    await expect(page).toHaveTitle(`${name} | PDM remotes | netbox-pdm`);
    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("button", { name: "Confirm delete" }).click();
    await expect(page).toHaveURL(/\/plugins\/pdm\/remotes\/$/);
    await page.goto(`/plugins/pdm/remotes/?pdm_endpoint_id=${String(ep.id)}`);
    await expect(page.getByTestId("list-count")).toHaveText("Showing 1–1 of 1");
    await expect(page.locator("main")).toContainText(`${name}-other`);
    expect((await request.get(`/api/plugins/pdm/remotes/${String(remote.id)}/`, { headers: adminHeaders })).status()).toBe(404);
  });
});

test.describe("the change log", () => {
  test.use({ storageState: authFile("editor") });
  test("exports its filtered list as CSV; a change has a title", async ({ page, request }) => {
    const site = await apiCreate(request, "/api/dcim/sites/", { name: unique("e2e-log"), slug: unique("e2e-log") });
    await request.patch(`/api/dcim/sites/${String(site.id)}/`, { headers: adminHeaders, data: { description: "logged" } });
    await page.goto(`/core/changelog/?changed_object_type=dcim.site&changed_object_id=${String(site.id)}`);
    await expect(page.getByTestId("list-count")).toHaveText("Showing 1–2 of 2");
    const lines = (await exportCsv(page)).trim().split("\r\n");
    expect(lines[0]).toContain("changed_object_type");
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain("update");
    expect(lines[2]).toContain("create");
    for (const l of lines.slice(1)) expect(l).toContain(String(site.name));
    await page.getByRole("link", { name: /UTC$/ }).first().click();
    await expect(page).toHaveTitle(`${String(site.name)} updated | Change Log | netbox-pdm`);
  });
});

test.describe("a viewer", () => {
  test.use({ storageState: authFile("viewer") });
  test("sees no write controls and cannot open add or edit forms", async ({ page, request }) => {
    const site = await apiCreate(request, "/api/dcim/sites/", { name: unique("viewer-site"), slug: unique("viewer-site") });
    for (const row of ROWS.filter((r) => r.role === "editor")) {
      await page.goto(row.list);
      await expect(page.getByRole("link", { name: "+ Add" })).toHaveCount(0);
      await page.goto(`${row.list}add/`);
      await expect(page.getByRole("heading", { name: "Permission denied" })).toBeVisible();
    }
    // A list with rows, but nothing to select and no bulk delete.
    await page.goto(`/dcim/sites/?q=${encodeURIComponent(String(site.name))}`);
    await expect(page.getByTestId(`row-${String(site.id)}`)).toBeVisible();
    await expect(page.getByRole("checkbox")).toHaveCount(0);
    await expect(page.getByLabel("Select all rows")).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Delete selected" })).toHaveCount(0);
    await page.goto(`/dcim/sites/${site.id}/`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(String(site.name));
    await expect(page.getByRole("link", { name: "Edit" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Delete" })).toHaveCount(0);
    await page.goto(`/dcim/sites/${site.id}/edit/`);
    await expect(page.getByRole("heading", { name: "Permission denied" })).toBeVisible();
    await page.goto("/users/users/");
    await expect(page.getByRole("heading", { name: "Permission denied" })).toBeVisible();
    await page.goto("/plugins/pdm/settings/");
    await expect(page.getByRole("button", { name: "Save settings" })).toHaveCount(0);
    await expect(page.getByText("read-only: admins edit them")).toBeVisible();
  });
});

test.describe("narrow windows", () => {
  test.use({ storageState: authFile("editor"), viewport: { width: 400, height: 800 } });
  test("the menu collapses and lists scroll", async ({ page }) => {
    await page.goto("/plugins/pdm/endpoints/");
    await page.getByText("☰ Menu").click();
    await expect(page.getByRole("navigation", { name: "Main" }).first()).toBeVisible();
    await keepScreenshot(page, "narrow-endpoints");
  });
});

test.describe("editors and admin pages", () => {
  test.use({ storageState: authFile("editor") });
  test("an editor is refused the users pages and the settings form", async ({ page, request }) => {
    const res = await request.get("/api/users/users/", { headers: adminHeaders });
    expect(res.status()).toBe(200);
    await page.goto("/users/users/add/");
    await expect(page.getByRole("heading", { name: "Permission denied" })).toBeVisible();
    await page.goto("/plugins/pdm/settings/");
    await expect(page.getByRole("button", { name: "Save settings" })).toHaveCount(0);
  });
});
