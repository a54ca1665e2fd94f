import { beforeAll, describe, expect, it } from "vitest";
import * as tokens from "@/app/api/users/tokens/route";
import * as tokenDetail from "@/app/api/users/tokens/[id]/route";
import { callRoute, setupApi } from "@/tests/api";
import { describeEachDb } from "@/tests/db";
import { handlerFor } from "@/tests/api/routes";

const root = { GET: handlerFor("/api/", "GET") };

describeEachDb("users/tokens API", (get) => {
  let keys: Awaited<ReturnType<typeof setupApi>>;
  beforeAll(async () => {
    keys = await setupApi(get());
  });

  it("authenticates Token and Bearer, rejects others with 401 detail", async () => {
    expect((await callRoute(root.GET, "/api/", { token: keys.viewer })).status).toBe(200);
    expect((await callRoute(root.GET, "/api/", { headers: { authorization: `Bearer ${keys.viewer}` } })).status).toBe(200);
    const bad = await callRoute(root.GET, "/api/", { headers: { authorization: "Basic abc" } });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ detail: expect.any(String) });
    const none = await callRoute(root.GET, "/api/");
    expect(none.body).toEqual({ detail: "Authentication credentials were not provided." });
  });

  it("creates a token (key once), lists without keys, 404 for others' tokens, 400 on bad JSON", async () => {
    const created = await callRoute(tokens.POST, "/api/users/tokens/", { method: "POST", token: keys.editor, body: { description: "api" } });
    expect(created.status).toBe(201);
    const { key, id, url } = created.body as { key: string; id: number; url: string };
    expect(key).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(url).toBe(`http://testserver/api/users/tokens/${id}/`);
    const list = await callRoute(tokens.GET, "/api/users/tokens/", { token: keys.editor });
    expect(list.text).not.toContain(key);
    const viewerSees = await callRoute(tokenDetail.GET, `/api/users/tokens/${id}/`, { token: keys.viewer, params: { id: String(id) } });
    expect(viewerSees.status).toBe(404);
    const badJson = await callRoute(tokens.POST, "/api/users/tokens/", { method: "POST", token: keys.editor, body: "{nope" });
    expect(badJson.status).toBe(400);
    const arr = await callRoute(tokens.POST, "/api/users/tokens/", { method: "POST", token: keys.editor, body: [1] });
    expect(arr.status).toBe(400);
    expect(arr.body).toEqual({ non_field_errors: ["Invalid data. Expected a JSON object."] });
    const ro = await callRoute(tokens.POST, "/api/users/tokens/", { method: "POST", token: keys.readOnly, body: {} });
    expect(ro.status).toBe(403);
    const del = await callRoute(tokenDetail.DELETE, `/api/users/tokens/${id}/`, { method: "DELETE", token: keys.editor, params: { id: String(id) } });
    expect(del.status).toBe(204);
    const again = await callRoute(tokenDetail.DELETE, `/api/users/tokens/abc/`, { method: "DELETE", token: keys.editor, params: { id: "abc" } });
    expect(again.status).toBe(404);
  });
});

describe("shape", () => {
  it("exports handlers", () => {
    expect(typeof tokens.GET).toBe("function");
  });
});
