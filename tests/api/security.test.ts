import { NextRequest } from "next/server";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import * as tokens from "@/app/api/users/tokens/route";
import { proxy } from "@/proxy";
import { sessionCookie, setupApi, TEST_ORIGIN } from "@/tests/api";
import { describeEachDb, systemCtx, uniq } from "@/tests/db";
import { revokeSession, userService } from "@/lib/services/users";
import { api, asJson, listOf } from "./client";
import { handlerFor } from "./routes";

const sites = { GET: handlerFor("/api/dcim/sites/", "GET"), POST: handlerFor("/api/dcim/sites/", "POST") };

// Issue 17, items 1, 6, 8 and 10 at the API: CSRF on cookie-authenticated writes, 415 for bodies
// that are not JSON, 413 for bodies over the limit (before reading them), the session cookie read
// by the name it was written with, and sessions that end with a password change or sign-out.

type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
const noParams = { params: Promise.resolve({}) };

async function call(handler: Handler, path: string, init: { method?: string; headers?: Record<string, string>; body?: string | ReadableStream<Uint8Array> }) {
  const req = new NextRequest(new URL(path, TEST_ORIGIN), { method: init.method ?? "GET", headers: init.headers, body: init.body, duplex: "half" } as ConstructorParameters<typeof NextRequest>[1]);
  const res = await handler(req, noParams);
  const text = await res.text();
  return { status: res.status, text, json: (text ? JSON.parse(text) : null) as Record<string, unknown> | null };
}

/** A body that counts what was pulled from it: `chunks` chunks of `size` bytes. */
function countingBody(chunks: number, size: number) {
  const state = { pulled: 0 };
  const chunk = new TextEncoder().encode("x".repeat(size));
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= chunks) return controller.close();
      sent++;
      state.pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, state };
}

describeEachDb("API request hardening", (get) => {
  let keys: Awaited<ReturnType<typeof setupApi>>;
  let adminId: number;

  beforeAll(async () => {
    keys = await setupApi(get());
    const admin = await userService.create(systemCtx(get()), { username: uniq("sess-admin"), password: "password1234", role: "admin" });
    adminId = admin.id;
  });

  afterEach(() => {
    delete process.env.API_MAX_BODY_BYTES;
  });

  const siteBody = () => JSON.stringify({ name: uniq("csrf"), slug: uniq("csrf") });

  describe("CSRF: writes with the session cookie", () => {
    it("are refused without an Origin, from another origin (another port of the same host), or with a form/text content type", async () => {
      const { cookie } = await sessionCookie(adminId);
      const before = listOf((await api("GET", "/api/dcim/sites/", { token: keys.admin })).body).count;
      const attempts: Record<string, string>[] = [
        { cookie, "content-type": "application/json" },
        { cookie, "content-type": "application/json", origin: "http://testserver:8080" },
        { cookie, "content-type": "text/plain", origin: "http://evil.example" },
        { cookie, "content-type": "application/x-www-form-urlencoded", origin: "null" },
      ];
      for (const headers of attempts) {
        const res = await call(sites.POST, "/api/dcim/sites/", { method: "POST", headers, body: siteBody() });
        expect(res.status, JSON.stringify(headers)).toBe(403);
        expect(String(res.json?.detail)).toMatch(/^CSRF Failed/);
      }
      // The app's own origin, but a body a form could send: 415, nothing created.
      const text = await call(sites.POST, "/api/dcim/sites/", { method: "POST", headers: { cookie, "content-type": "text/plain", origin: TEST_ORIGIN }, body: siteBody() });
      expect(text.status).toBe(415);
      expect(listOf((await api("GET", "/api/dcim/sites/", { token: keys.admin })).body).count).toBe(before);
      // From the app's own pages, JSON: accepted.
      const ok = await call(sites.POST, "/api/dcim/sites/", { method: "POST", headers: { cookie, "content-type": "application/json; charset=utf-8", origin: TEST_ORIGIN }, body: siteBody() });
      expect(ok.status, ok.text).toBe(201);
      // Behind a proxy, the origin the proxy reports is the app's.
      const proxied = await call(sites.POST, "/api/dcim/sites/", {
        method: "POST",
        headers: { cookie, "content-type": "application/json", origin: "https://pdm.example.net", "x-forwarded-host": "pdm.example.net", "x-forwarded-proto": "https" },
        body: siteBody(),
      });
      expect(proxied.status, proxied.text).toBe(201);
    });

    it("do not concern reads, nor token-authenticated writes", async () => {
      const { cookie } = await sessionCookie(adminId);
      expect((await call(sites.GET, "/api/dcim/sites/", { headers: { cookie } })).status).toBe(200);
      const res = await call(sites.POST, "/api/dcim/sites/", { method: "POST", headers: { authorization: `Token ${keys.admin}`, "content-type": "application/json", origin: "http://evil.example" }, body: siteBody() });
      expect(res.status).toBe(201);
    });
  });

  describe("415: a body that is not JSON", () => {
    it("is refused whoever sends it; an empty body is no body", async () => {
      for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""]) {
        const headers: Record<string, string> = { authorization: `Token ${keys.admin}` };
        if (type) headers["content-type"] = type;
        const res = await call(sites.POST, "/api/dcim/sites/", { method: "POST", headers, body: siteBody() });
        expect(res.status, type).toBe(415);
        expect(String(res.json?.detail)).toMatch(/application\/json/);
      }
      expect((await call(sites.POST, "/api/dcim/sites/", { method: "POST", headers: { authorization: `Token ${keys.admin}`, "content-type": "application/vnd.api+json" }, body: siteBody() })).status).toBe(201);
      // No body at all: a token POST creating a token for its owner needs none.
      expect((await call(tokens.POST, "/api/users/tokens/", { method: "POST", headers: { authorization: `Token ${keys.admin}`, "content-type": "text/plain" } })).status).not.toBe(415);
    });
  });

  describe("413: a body over the limit", () => {
    it("is refused from its declared length without reading it, even anonymously", async () => {
      process.env.API_MAX_BODY_BYTES = "4096";
      const { stream, state } = countingBody(100, 1024);
      const res = await call(sites.POST, "/api/dcim/sites/", { method: "POST", headers: { "content-length": String(100 * 1024), "content-type": "application/json" }, body: stream });
      expect(res.status).toBe(413);
      expect(String(res.json?.detail)).toMatch(/4096 bytes/);
      expect(state.pulled).toBeLessThanOrEqual(2 * 1024); // at most what the stream had buffered
    });

    it("is refused as soon as a body without a length passes the limit", async () => {
      process.env.API_MAX_BODY_BYTES = "4096";
      const { stream, state } = countingBody(1000, 1024);
      const res = await call(sites.POST, "/api/dcim/sites/", { method: "POST", headers: { authorization: `Token ${keys.admin}`, "content-type": "application/json" }, body: stream });
      expect(res.status).toBe(413);
      expect(state.pulled).toBeLessThan(16 * 1024);
    });

    it("leaves bodies within the limit alone", async () => {
      process.env.API_MAX_BODY_BYTES = "4096";
      const res = await call(sites.POST, "/api/dcim/sites/", { method: "POST", headers: { authorization: `Token ${keys.admin}`, "content-type": "application/json" }, body: siteBody() });
      expect(res.status).toBe(201);
    });
  });

  describe("the session cookie", () => {
    it("is read by the name it was written with: __Secure- behind an https proxy (API and page proxy)", async () => {
      const { cookie } = await sessionCookie(adminId, { secure: true });
      const res = await call(sites.GET, "/api/dcim/sites/", { headers: { cookie } });
      expect(res.status, res.text).toBe(200);
      const page = await proxy(new NextRequest(new URL("/dcim/sites/", TEST_ORIGIN), { headers: { cookie } }));
      expect(page.headers.get("location")).toBeNull();
      // Without any session the proxy still sends visitors to the sign-in page.
      const anon = await proxy(new NextRequest(new URL("/dcim/sites/", TEST_ORIGIN)));
      expect(anon.headers.get("location")).toMatch(/\/login\/\?callbackUrl=%2Fdcim%2Fsites%2F$/);
    });

    it("ends with signing out: a replayed copy is refused", async () => {
      const { cookie, sid } = await sessionCookie(adminId);
      expect((await call(sites.GET, "/api/dcim/sites/", { headers: { cookie } })).status).toBe(200);
      await revokeSession(get().handle.db, sid, adminId, new Date(Date.now() + 3600_000));
      expect((await call(sites.GET, "/api/dcim/sites/", { headers: { cookie } })).status).toBe(401);
      // Other sessions of the same person go on.
      expect((await call(sites.GET, "/api/dcim/sites/", { headers: { cookie: (await sessionCookie(adminId)).cookie } })).status).toBe(200);
    });

    it("ends with a password change: every session signed in before it is refused", async () => {
      const user = await userService.create(systemCtx(get()), { username: uniq("pw-change"), password: "password1234", role: "editor" });
      const before = await sessionCookie(user.id, { credentialsVersion: 1 });
      expect((await call(sites.GET, "/api/dcim/sites/", { headers: { cookie: before.cookie } })).status).toBe(200);
      // A change that is not the password keeps sessions.
      await userService.update(systemCtx(get()), user.id, { role: "viewer" }, { partial: true });
      expect((await call(sites.GET, "/api/dcim/sites/", { headers: { cookie: before.cookie } })).status).toBe(200);
      await userService.update(systemCtx(get()), user.id, { password: "another-password-1" }, { partial: true });
      expect((await call(sites.GET, "/api/dcim/sites/", { headers: { cookie: before.cookie } })).status).toBe(401);
      const after = await sessionCookie(user.id, { credentialsVersion: 2 });
      expect((await call(sites.GET, "/api/dcim/sites/", { headers: { cookie: after.cookie } })).status).toBe(200);
      expect(asJson((await api("GET", `/api/users/users/${user.id}/`, { token: keys.admin })).body)).not.toHaveProperty("credentials_version");
    });
  });
});
