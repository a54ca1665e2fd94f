import fs from "node:fs";
import path from "node:path";
import { chromium, request, type FullConfig } from "@playwright/test";
import { adminHeaders, authFile, PASSWORDS, signIn, type Role } from "./support";

// Creates an editor and a viewer through the API (with the bootstrap superuser token), then signs
// each role in through the UI once and keeps the session for the specs (storageState).
export default async function globalSetup(config: FullConfig) {
  const baseURL = config.projects[0]!.use.baseURL!;
  fs.mkdirSync(path.dirname(authFile("admin")), { recursive: true });
  fs.mkdirSync(path.join(__dirname, "..", "test-results", "screenshots"), { recursive: true });
  const api = await request.newContext({ baseURL });
  for (const role of ["editor", "viewer"] as const) {
    const res = await api.post("/api/users/users/", { headers: adminHeaders, data: { username: role, password: PASSWORDS[role], role } });
    if (res.status() !== 201 && res.status() !== 400) throw new Error(`creating ${role}: ${res.status()} ${await res.text()}`);
  }
  await api.dispose();
  const browser = await chromium.launch(config.projects[0]!.use.launchOptions);
  for (const role of ["admin", "editor", "viewer"] as Role[]) {
    const page = await browser.newPage({ baseURL });
    await signIn(page, role, PASSWORDS[role]);
    await page.waitForURL((u) => !u.pathname.startsWith("/login"));
    await page.context().storageState({ path: authFile(role) });
    await page.close();
  }
  await browser.close();
}
