import { expect, test } from "@playwright/test";
import { ADMIN_TOKEN, adminHeaders, authFile, keepScreenshot, PASSWORDS, signIn } from "./support";

test.describe("signing in", () => {
  test("an anonymous visitor is redirected to the sign-in page, and back after signing in", async ({ page }) => {
    await page.goto("/users/tokens/");
    await expect(page).toHaveURL(/\/login\/\?callbackUrl=%2Fusers%2Ftokens%2F/);
    await keepScreenshot(page, "sign-in");
    await page.getByLabel("Username").fill("editor");
    await page.getByLabel("Password").fill(PASSWORDS.editor);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/users\/tokens\/$/);
    await expect(page.getByRole("heading", { name: "API Tokens" })).toBeVisible();
  });

  test("a wrong password is refused with an inline error", async ({ page }) => {
    await signIn(page, "editor", "not-the-password");
    await expect(page.getByRole("alert").filter({ hasText: "Invalid" })).toHaveText("Invalid username or password.");
    await expect(page).toHaveURL(/\/login\//);
    await signIn(page, "nobody-at-all", "whatever");
    await expect(page.getByRole("alert").filter({ hasText: "Invalid" })).toHaveText("Invalid username or password.");
  });

  test("repeated failures are throttled, and the form says for how long; an unknown name the same way", async ({ page, request }) => {
    // Accounts of its own: the counts of the other tests' accounts stay as they are.
    const existing = `throttled-${Date.now().toString(36)}`;
    const created = await request.post("/api/users/users/", { headers: adminHeaders, data: { username: existing, password: "right-password-1" } });
    expect(created.status()).toBe(201);
    const alert = page.getByRole("alert").filter({ hasText: /Invalid|Too many/ });
    for (const name of [existing, `nobody-${Date.now().toString(36)}`]) {
      // Three free failures; then each attempt must wait twice as long as the last (1 s, 2 s, 4 s…),
      // so quick attempts soon meet a wait. (That the right password is not checked meanwhile is
      // tested on a controlled clock: tests/auth/sign-in.test.ts.)
      const answers: string[] = [];
      for (let i = 0; i < 10 && !answers.at(-1)?.startsWith("Too many"); i++) {
        await signIn(page, name, "wrong-password");
        await expect(alert).toHaveText(/Invalid username or password\.|Too many failed sign-ins/);
        answers.push((await alert.textContent()) ?? "");
      }
      expect(answers.slice(0, 3)).toEqual(Array(3).fill("Invalid username or password."));
      expect(answers.at(-1)).toMatch(/^Too many failed sign-ins\. Try again in \d+ seconds?\.$/);
      await expect(page).toHaveURL(/\/login\//);
    }
  });

  test("signing in shows the home page with the user and role; signing out ends the session", async ({ page, browser, baseURL }) => {
    await signIn(page, "viewer", PASSWORDS.viewer);
    await expect(page.getByRole("heading", { name: "Home" })).toBeVisible();
    await expect(page.getByTestId("user-role")).toHaveText("viewer");
    await keepScreenshot(page, "home");
    const cookies = await page.context().cookies();
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login\//);
    await page.goto("/");
    await expect(page).toHaveURL(/\/login\//);
    // A copy of the signed-out session's cookie is no session either (page and API).
    const replay = await browser.newContext({ baseURL });
    try {
      await replay.addCookies(cookies);
      const p = await replay.newPage();
      await p.goto("/");
      await expect(p).toHaveURL(/\/login\//);
      expect((await replay.request.get("/api/plugins/pdm/endpoints/")).status()).toBe(401);
    } finally {
      await replay.close();
    }
  });
});

test.describe("API authentication", () => {
  test("anonymous API requests get 401; /api/status/ is public", async ({ request }) => {
    const anon = await request.get("/api/");
    expect(anon.status()).toBe(401);
    expect(await anon.json()).toEqual({ detail: "Authentication credentials were not provided." });
    const status = await request.get("/api/status/");
    expect(status.status()).toBe(200);
    expect((await status.json()).database.migrations.pending).toBe(0);
  });

  test("Token and Bearer headers, wrong, read-only and expired tokens", async ({ request }) => {
    for (const scheme of ["Token", "Bearer"]) {
      const res = await request.get("/api/", { headers: { Authorization: `${scheme} ${ADMIN_TOKEN}` } });
      expect(res.status()).toBe(200);
      expect(res.headers()["api-version"]).toBe("4.6");
    }
    const wrong = await request.get("/api/", { headers: { Authorization: `Token ${"x".repeat(40)}` } });
    expect(wrong.status()).toBe(401);
    const ro = await request.post("/api/users/tokens/", { headers: adminHeaders, data: { write_enabled: false, description: "ro" } });
    expect(ro.status()).toBe(201);
    const roKey = (await ro.json()).key as string;
    const roHeaders = { Authorization: `Token ${roKey}`, "Content-Type": "application/json" };
    expect((await request.get("/api/users/tokens/", { headers: roHeaders })).status()).toBe(200);
    const write = await request.post("/api/users/users/", { headers: roHeaders, data: { username: "x1", password: "password123" } });
    expect(write.status()).toBe(403);
    expect((await write.json()).detail).toMatch(/read-only/);
    const soon = await request.post("/api/users/tokens/", {
      headers: adminHeaders,
      data: { expires: new Date(Date.now() + 2500).toISOString(), description: "short-lived" },
    });
    const soonKey = (await soon.json()).key as string;
    expect((await request.get("/api/", { headers: { Authorization: `Token ${soonKey}` } })).status()).toBe(200);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await request.get("/api/", { headers: { Authorization: `Token ${soonKey}` } })).status()).toBe(401);
  });
});

test.describe("roles", () => {
  test.use({ storageState: authFile("viewer") });
  test("a viewer's session cannot call admin or editor endpoints", async ({ page, baseURL }) => {
    await page.goto("/");
    // From the app's own origin (a session write from anywhere else is refused before roles are looked at).
    const res = await page.request.post("/api/users/users/", { headers: { Origin: baseURL! }, data: { username: "sneaky", password: "password123", role: "admin" } });
    expect(res.status()).toBe(403);
    const mine = await page.request.get("/api/users/tokens/");
    expect(mine.status()).toBe(200);
  });
});

test.describe("API tokens page", () => {
  test.use({ storageState: authFile("editor") });
  test("create a token (key shown once), use it, delete it", async ({ page, request }) => {
    await page.goto("/users/tokens/");
    await expect(page).toHaveTitle("API Tokens | netbox-pdm");
    await page.getByLabel("Description").fill("e2e token");
    await page.getByRole("button", { name: "Create token" }).click();
    const keyBox = page.getByTestId("new-token-key");
    await expect(keyBox).toHaveText(/^[A-Za-z0-9]{40}$/);
    const key = (await keyBox.textContent())!;
    await keepScreenshot(page, "tokens");
    const res = await request.get("/api/users/tokens/", { headers: { Authorization: `Bearer ${key}` } });
    expect(res.status()).toBe(200);
    const body = await res.json();
    expect(JSON.stringify(body)).not.toContain(key);
    const id = body.results.find((t: { description: string }) => t.description === "e2e token").id as number;
    await page.reload();
    await expect(page.getByTestId("new-token-key")).toHaveCount(0);
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: `Delete token ${id}` }).click();
    await expect(page.getByTestId(`row-${id}`)).toHaveCount(0);
    expect((await request.get("/api/", { headers: { Authorization: `Token ${key}` } })).status()).toBe(401);
  });

  test("the list searches, filters, sorts, pages and exports CSV (without keys)", async ({ page, baseURL }) => {
    await page.goto("/users/tokens/");
    const prefix = `e2e-list-${Date.now().toString(36)}`;
    const keys: string[] = [];
    const ids: number[] = [];
    for (let i = 0; i < 26; i++) {
      // The session's own API: tokens for the signed-in editor.
      const res = await page.request.post("/api/users/tokens/", { headers: { Origin: baseURL! }, data: { description: `${prefix}-${String(i).padStart(2, "0")}`, write_enabled: i % 2 === 0 } });
      expect(res.status()).toBe(201);
      const body = (await res.json()) as { id: number; key: string };
      keys.push(body.key);
      ids.push(body.id);
    }
    await page.goto(`/users/tokens/?q=${prefix}&per_page=25&sort=id`);
    await expect(page.getByTestId("list-count")).toHaveText("Showing 1–25 of 26");
    await expect(page.getByTestId(/^row-/).first()).toHaveAttribute("data-testid", `row-${ids[0]}`);
    await page.getByRole("link", { name: "Next ›" }).click();
    await expect(page.getByTestId("list-count")).toHaveText("Showing 26–26 of 26");
    await expect(page.getByTestId(`row-${ids[25]}`)).toBeVisible();
    // Sorting by a column header, descending on the second click.
    await page.goto(`/users/tokens/?q=${prefix}&per_page=25`);
    await page.getByRole("link", { name: "ID", exact: true }).click();
    await page.getByRole("link", { name: /^ID ▲$/ }).click();
    await expect(page).toHaveURL(/sort=-id/);
    await expect(page.getByTestId(/^row-/).first()).toHaveAttribute("data-testid", `row-${ids[25]}`);
    // A filter from the form: read-only tokens only.
    await page.getByLabel("Access").selectOption("false");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page.getByTestId("list-count")).toHaveText("Showing 1–13 of 13");

    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Export CSV" }).click();
    const stream = await (await download).createReadStream();
    const csv = await new Promise<string>((resolve) => {
      let s = "";
      stream.on("data", (c: Buffer) => (s += c.toString()));
      stream.on("end", () => resolve(s));
    });
    const lines = csv.trim().split("\r\n");
    expect(lines[0]).toBe("id,user,description,write_enabled,expires,last_used,created");
    expect(lines).toHaveLength(14);
    for (const l of lines.slice(1)) expect(l).toContain(`${prefix}-`);
    for (const key of keys) expect(csv).not.toContain(key);
  });
});
