import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { adminHeaders, apiCreate, authFile, PASSWORDS, unique } from "./support";

// What a hostile page on the same host, a crafted sign-in link or a framing page can do with a
// signed-in browser (issue 17): nothing.

/**
 * The hostile host, matched by host name (our own URLs carry it in their query strings). A
 * *.localhost name resolves to loopback without DNS: even a navigation the route does not catch
 * (a server redirect) never leaves the machine.
 */
const EVIL = (url: URL) => url.hostname.endsWith("evil.localhost");

/** A web server on another port of the same host (same site, another origin), serving `html`. */
async function hostilePage(html: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function userExists(page: Page, username: string): Promise<boolean> {
  const res = await page.request.get(`/api/users/users/?username=${encodeURIComponent(username)}`, { headers: adminHeaders });
  expect(res.status()).toBe(200);
  return ((await res.json()) as { count: number }).count > 0;
}

test.describe("cross-site request forgery", () => {
  test.use({ storageState: authFile("admin") });

  test("a page on another port of the same host can neither form-POST nor no-cors fetch a new admin", async ({ page, baseURL }) => {
    const target = `${baseURL}/api/users/users/`;
    const viaFetch = unique("csrf-fetch");
    const viaForm = unique("csrf-form");
    // text/plain forms send `name=value`: a JSON object whose "=" falls inside the password.
    const formName = `{"username":"${viaForm}","role":"admin","password":"pass`;
    const html = `<!doctype html><html><head><title>hostile</title></head><body>
      <form id="f" method="POST" action="${target}" enctype="text/plain"><input type="hidden" name='${formName}' value='word-123"}'></form>
      <script>
        window.attack = async () => {
          try {
            await fetch(${JSON.stringify(target)}, { method: "POST", mode: "no-cors", credentials: "include",
              headers: { "Content-Type": "text/plain" },
              body: JSON.stringify({ username: ${JSON.stringify(viaFetch)}, password: "password-123", role: "admin" }) });
            return "sent";
          } catch (e) { return "failed: " + e; }
        };
      </script></body></html>`;
    const hostile = await hostilePage(html);
    try {
      await page.goto(hostile.url);
      expect(await page.evaluate(() => (window as unknown as { attack(): Promise<string> }).attack())).toBe("sent");
      await Promise.all([page.waitForURL((u) => u.href.startsWith(target)), page.locator("#f").evaluate((f: HTMLFormElement) => f.submit())]);
    } finally {
      await hostile.close();
    }
    expect(await userExists(page, viaFetch)).toBe(false);
    expect(await userExists(page, viaForm)).toBe(false);

    // The same session from the app's own origin still writes.
    const own = unique("csrf-own");
    const ok = await page.request.post("/api/users/users/", { headers: { Origin: baseURL! }, data: { username: own, password: "password-123", role: "viewer" } });
    expect(ok.status(), await ok.text()).toBe(201);
    const { id } = (await ok.json()) as { id: number };
    expect((await page.request.delete(`/api/users/users/${id}/`, { headers: adminHeaders })).status()).toBe(204);
  });
});

test.describe("sign-in redirects", () => {
  const HOSTILE_CALLBACKS = ["/%5Cevil.localhost/", "/%09/evil.localhost/", "/%5C%5Cevil.localhost/", "//evil.localhost/", "https://evil.localhost/", "/%0D%0ASet-Cookie:%20x=1"];

  async function contextPage(browser: Browser, baseURL: string, storageState?: string) {
    const context = await browser.newContext({ baseURL, storageState });
    // A request to the hostile host is answered here.
    await context.route(EVIL, (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<title>evil</title>evil" }));
    return { context, page: await context.newPage() };
  }

  test("signing in never lands off-site, whatever callbackUrl says", async ({ browser, baseURL }) => {
    for (const callback of HOSTILE_CALLBACKS) {
      const { context, page } = await contextPage(browser, baseURL!);
      try {
        await page.goto(`/login/?callbackUrl=${callback}`);
        await page.getByLabel("Username").fill("viewer");
        await page.getByLabel("Password").fill(PASSWORDS.viewer);
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.waitForURL((u) => !u.pathname.startsWith("/login"));
        await page.waitForLoadState();
        expect(new URL(page.url()).origin, `callbackUrl=${callback} → ${page.url()}`).toBe(baseURL);
        expect(await page.evaluate(() => location.origin), `callbackUrl=${callback}`).toBe(baseURL);
        await expect(page.getByRole("heading", { name: "Home" })).toBeVisible();
      } finally {
        await context.close();
      }
    }
  });

  test("a signed-in visit of the sign-in page redirects on-site only, and never fails", async ({ browser, baseURL }) => {
    const { context, page } = await contextPage(browser, baseURL!, authFile("viewer"));
    try {
      for (const callback of HOSTILE_CALLBACKS) {
        const res = await page.goto(`/login/?callbackUrl=${callback}`);
        expect(res?.status() ?? 0, `callbackUrl=${callback}`).toBeLessThan(500);
        expect(new URL(page.url()).origin, `callbackUrl=${callback} → ${page.url()}`).toBe(baseURL);
        expect(await page.evaluate(() => location.origin), `callbackUrl=${callback}`).toBe(baseURL);
        await expect(page.getByRole("heading", { name: "Home" })).toBeVisible();
      }
      // A same-site path with its query is kept.
      await page.goto("/login/?callbackUrl=%2Fdcim%2Fsites%2F%3Fq%3Dx");
      await expect(page).toHaveURL(/\/dcim\/sites\/\?q=x$/);
    } finally {
      await context.close();
    }
  });
});

test.describe("security headers", () => {
  test.use({ storageState: authFile("admin") });
  const PAGES = [
    "/",
    "/plugins/pdm/endpoints/",
    "/plugins/pdm/endpoints/add/",
    "/plugins/pdm/remotes/",
    "/plugins/pdm/sync-runs/",
    "/plugins/pdm/branches/",
    "/plugins/pdm/settings/",
    "/dcim/sites/",
    "/tenancy/tenants/",
    "/plugins/proxbox/endpoints/",
    "/plugins/pbs/servers/",
    "/users/users/",
    "/users/tokens/",
    "/core/changelog/",
  ];

  test("every page forbids framing and sniffing, sends a CSP and a referrer policy, and runs under it", async ({ page, browser, baseURL }) => {
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(`${page.url()}: ${m.text()}`);
    });
    const check = (headers: Record<string, string>, where: string) => {
      expect(headers["x-frame-options"], where).toBe("DENY");
      expect(headers["x-content-type-options"], where).toBe("nosniff");
      expect(headers["referrer-policy"], where).toBe("same-origin");
      const csp = headers["content-security-policy"] ?? "";
      expect(csp, where).toContain("frame-ancestors 'none'");
      expect(csp, where).toContain("default-src 'self'");
      expect(csp, where).toContain("object-src 'none'");
    };
    for (const path of PAGES) {
      const res = await page.goto(path);
      expect(res?.status(), path).toBe(200);
      check(res!.headers(), path);
      // Next's inline bootstrap scripts ran (a CSP blocking them would leave the page unhydrated).
      await page.waitForFunction(() => Array.isArray((self as unknown as { __next_f?: unknown }).__next_f));
    }
    const anon = await browser.newContext({ baseURL });
    try {
      const login = await anon.request.get("/login/");
      check(login.headers(), "/login/");
    } finally {
      await anon.close();
    }
    // Client components and server actions still work under the policy: create a token in the UI.
    await page.goto("/users/tokens/");
    await page.getByLabel("Description").fill(unique("csp-check"));
    await page.getByRole("button", { name: "Create token" }).click();
    await expect(page.getByTestId("new-token-key")).toHaveText(/^[A-Za-z0-9]{40}$/);
    expect(violations).toEqual([]);
  });

  test("a hostile page cannot frame the app", async ({ page, baseURL }) => {
    const hostile = await hostilePage(`<!doctype html><iframe id="x" src="${baseURL}/"></iframe>`);
    try {
      await page.goto(hostile.url);
      // goto waits for the load event, which waits for the frame's own load (or refusal).
      const frame = page.frames().find((f) => f.url().startsWith(baseURL!));
      // Chromium blocks the load: the frame never shows the app.
      const shown = frame ? await frame.getByRole("heading", { name: "Home" }).isVisible().catch(() => false) : false;
      expect(shown).toBe(false);
    } finally {
      await hostile.close();
    }
  });
});

test.describe("an endpoint's stored secret", () => {
  test.use({ storageState: authFile("editor") });

  test("moving the endpoint elsewhere in the form needs the secret again", async ({ page, request }) => {
    const ep = await apiCreate(request, "/api/plugins/pdm/endpoints/", { name: unique("e2e-secret"), host: "pdm.example.net", token_id: "root@pam!x", token_secret: "stored-secret-1" });
    await page.goto(`/plugins/pdm/endpoints/${String(ep.id)}/edit/`);
    await page.getByLabel("Host").fill("127.0.0.9");
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByTestId("error-token_secret")).toContainText("Enter the token secret again");
    const unchanged = await request.get(`/api/plugins/pdm/endpoints/${String(ep.id)}/`, { headers: adminHeaders });
    expect((await unchanged.json()).host).toBe("pdm.example.net");
    await page.getByLabel("API token secret").fill("stored-secret-1");
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(String(ep.name));
    const moved = await request.get(`/api/plugins/pdm/endpoints/${String(ep.id)}/`, { headers: adminHeaders });
    expect((await moved.json()).host).toBe("127.0.0.9");
  });
});
