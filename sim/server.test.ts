import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPdmSimulator, type RunningSimulator } from "./server";

// The simulator's own wire behaviour (pdm-api.md §7): what our client tests lean on.

let sim: RunningSimulator;
const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });

beforeAll(async () => {
  sim = await startPdmSimulator({ remotes: 10, seed: 3, authFailureDelayMs: 0 });
});
afterAll(async () => {
  await dispatcher.close();
  await sim.close();
});

async function get(path: string, headers: Record<string, string> = { authorization: `PDMAPIToken=${sim.tokenId}:${sim.tokenSecret}` }) {
  const res = await request(`${sim.url}${path}`, { dispatcher, headers });
  return { status: res.statusCode, type: res.headers["content-type"] ?? null, text: await res.body.text() };
}

describe("PDM simulator", () => {
  it("answers in the envelope, with a digest on the remote list that changes with the remote set", async () => {
    const a = await get("/api2/json/remotes/remote");
    expect(a.type).toBe("application/json;charset=UTF-8");
    const body = JSON.parse(a.text) as { data: { id: string; token: string; nodes: string[] }[]; digest: string };
    expect(body.data).toHaveLength(10);
    expect(body.data.every((r) => r.token === "" && Array.isArray(r.nodes))).toBe(true);
    expect(body.digest).toMatch(/^[0-9a-f]{64}$/);
    sim.control.renameRemote(body.data[0]!.id, "renamed-remote");
    const b = JSON.parse((await get("/api2/json/remotes/remote")).text) as { digest: string; data: { id: string }[] };
    expect(b.digest).not.toBe(body.digest);
    expect(b.data.some((r) => r.id === "renamed-remote")).toBe(true);
  });

  it("plain-text errors: 401 without a content type, 404s with a JSON content type", async () => {
    const unauth = await get("/api2/json/version", { authorization: `PDMAPIToken=${sim.tokenId}:wrong` });
    expect(unauth).toEqual({ status: 401, type: null, text: "authentication failed" });
    const pve = await get("/api2/json/version", { authorization: `PVEAPIToken=${sim.tokenId}=${sim.tokenSecret}` });
    expect(pve.status).toBe(401);
    const spaceForm = await get("/api2/json/version", { authorization: `PDMAPIToken ${sim.tokenId}:${encodeURIComponent(sim.tokenSecret)}` });
    expect(spaceForm.status).toBe(200);
    const missing = await get("/api2/json/remotes/remote/nope/version");
    expect(missing).toEqual({ status: 404, type: "application/json;charset=UTF-8", text: "no such node 'nope'" });
    expect((await get("/api2/json/no/such/path")).text).toBe("Path '/api2/json/no/such/path' not found.");
    expect((await get("/api2/yaml/version")).status).toBe(400);
  });

  it("/ping needs no auth; the directory trap answers 200 for any id", async () => {
    expect(JSON.parse((await get("/api2/json/ping", {})).text)).toEqual({ data: "pong" });
    expect((await get("/api2/json/remotes/remote/whatever")).status).toBe(200);
  });

  it("an offline remote's version is PDM's 400; unknown query parameters are rejected", async () => {
    const id = sim.control.remotes()[1]!.id;
    sim.control.setOffline(id, "timed out");
    expect(await get(`/api2/json/remotes/remote/${id}/version`)).toMatchObject({ status: 400, text: "connection failed: timed out" });
    sim.control.setOnline(id);
    expect((await get("/api2/json/resources/list?resource-type=vm")).status).toBe(400);
    // With a JSON content type on GET, PDM ignores the query string.
    const withType = await get("/api2/json/resources/list?resource-type=vm", {
      authorization: `PDMAPIToken=${sim.tokenId}:${sim.tokenSecret}`,
      "content-type": "application/json",
    });
    expect(withType.status).toBe(200);
  });

  it("the HTTP control interface needs its key and logs requests with the secret redacted", async () => {
    const denied = await request(`${sim.url}/__sim/state`, { dispatcher });
    expect(denied.statusCode).toBe(403);
    await denied.body.text();
    const res = await request(`${sim.url}/__sim/remotes/${sim.control.remotes()[2]!.id}/offline`, {
      dispatcher,
      method: "POST",
      headers: { "x-sim-control": sim.controlKey, "content-type": "application/json" },
      body: JSON.stringify({ reason: "maintenance" }),
    });
    expect(await res.body.json()).toEqual({ ok: true });
    expect(sim.control.remotes()[2]!.state).toEqual({ kind: "offline", reason: "maintenance" });
    const log = JSON.stringify(sim.requestLog());
    expect(log).not.toContain(sim.tokenSecret);
    expect(log).toContain(`PDMAPIToken=${sim.tokenId}:***`);
  });
});
