import path from "node:path";
import { expect, type APIRequestContext, type Page } from "@playwright/test";

export const ADMIN_TOKEN = "E2Eadmin0token0000000000000000000000000A";
export const PASSWORDS = { admin: "e2e-admin-password", editor: "e2e-editor-password", viewer: "e2e-viewer-password" } as const;
export type Role = keyof typeof PASSWORDS;

export function authFile(role: Role): string {
  return path.join(__dirname, "..", "test-results", ".auth", `${role}.json`);
}

export const adminHeaders = { Authorization: `Token ${ADMIN_TOKEN}`, "Content-Type": "application/json", Accept: "application/json" };

/** Signs in through the real sign-in form. */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto("/login/");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A screenshot kept as a test artifact (test-results/screenshots). */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(__dirname, "..", "test-results", "screenshots", `${name}.png`), fullPage: true });
}

export async function apiCreate(request: APIRequestContext, url: string, data: unknown): Promise<Record<string, unknown>> {
  const res = await request.post(url, { headers: adminHeaders, data });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as Record<string, unknown>;
}

// The PDM simulator started by playwright.config.ts.
export const SIM = {
  port: () => Number(process.env.E2E_SIM_PORT ?? 3215),
  tokenId: "root@pam!inventory",
  secret: "e2e-sim-secret-4f1d2c3b",
  controlKey: "e2e-sim-control",
};

export async function simState(request: APIRequestContext): Promise<{ fingerprint: string; remotes: { id: string; type: string; nodes: { hostname: string; fingerprint: string | null }[] }[] }> {
  const res = await request.get(`https://127.0.0.1:${SIM.port()}/__sim/state`, { headers: { "x-sim-control": SIM.controlKey }, ignoreHTTPSErrors: true });
  expect(res.status()).toBe(200);
  return (await res.json()) as Awaited<ReturnType<typeof simState>>;
}

/** A call to the simulator's control interface (faults, latency, remotes). */
export async function simControl(request: APIRequestContext, method: "POST" | "DELETE", route: string, body?: unknown): Promise<void> {
  const res = await request.fetch(`https://127.0.0.1:${SIM.port()}/__sim/${route}`, { method, headers: { "x-sim-control": SIM.controlKey }, data: body, ignoreHTTPSErrors: true });
  expect(res.status(), await res.text()).toBe(200);
}

let seq = 0;
/** A name no other test uses. */
export function unique(prefix: string): string {
  seq += 1;
  return `${prefix}-${Date.now().toString(36)}-${seq}`;
}
