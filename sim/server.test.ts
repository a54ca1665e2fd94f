import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPdmSimulator, type certificateInfo, type RunningSimulator } from "./server";

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

  it("the MUST directory and error answers of pdm-api.md §7.3", async () => {
    const dirs = JSON.parse((await get("/api2/json/remotes")).text) as { data: { subdir: string }[] };
    expect(dirs.data.map((d) => d.subdir)).toEqual(["metric-collection", "remote", "tasks", "updates"]);
    expect(await get("/api2/json/remotes/remote/nope/config")).toEqual({ status: 404, type: "application/json;charset=UTF-8", text: "no such node 'nope'" });
    const pve = sim.control.remotes().find((r) => r.type === "pve")!;
    const pbs = sim.control.remotes().find((r) => r.type === "pbs")!;
    expect(await get(`/api2/json/pbs/remotes/${pve.id}/status`)).toMatchObject({ status: 400, text: `remote "${pve.id}" is not a pbs remote` });
    expect(await get(`/api2/json/pve/remotes/${pbs.id}/nodes`)).toMatchObject({ status: 400, text: `remote "${pbs.id}" is not a pve remote` });
    expect(await get("/api2/json/pve/remotes")).toMatchObject({ status: 403, text: "permission check failed" });
    const config = JSON.parse((await get(`/api2/json/remotes/remote/${pbs.id}/config`)).text) as { data: Record<string, unknown> };
    expect(config.data).toMatchObject({ type: "pbs", id: pbs.id, token: "" });
  });

  it("/resources/status has PDM's full snake_case shape", async () => {
    const id = sim.control.remotes()[0]!.id;
    sim.control.setOffline(id, "failed to perform API request: timed out");
    try {
      const body = JSON.parse((await get("/api2/json/resources/status")).text) as { data: Record<string, unknown> };
      for (const k of ["remotes", "failed_remotes", "pve_nodes", "pbs_nodes", "qemu", "lxc", "storages", "sdn_zones", "pbs_datastores", "pve_cpu_stats", "pbs_cpu_stats", "pve_memory_stats", "pbs_memory_stats", "pve_storage_stats", "pbs_storage_stats", "failed_remotes_list", "remote-list"])
        expect(body.data, k).toHaveProperty([k]);
      expect(body.data.failed_remotes).toBe(sim.control.remotes().filter((r) => r.state.kind === "offline").length);
      expect((body.data.pbs_datastores as Record<string, unknown>).under_maintenance).toBeNull();
      expect((body.data.pbs_cpu_stats as Record<string, unknown>).allocated).toBeNull();
      expect(body.data["remote-list"]).toContainEqual({ name: id, ty: sim.control.remotes()[0]!.type, messages: ["failed to perform API request: timed out"], status: "Error" });
    } finally {
      sim.control.setOnline(id);
    }
  });

  it("/api2/extjs: success and status in the envelope; errors as HTTP 200; 401 stays a real 401", async () => {
    expect(JSON.parse((await get("/api2/extjs/version")).text)).toMatchObject({ data: { version: "1.1", release: "7" }, success: true, status: 200 });
    const missing = await get("/api2/extjs/remotes/remote/nope/version");
    expect(missing.status).toBe(200);
    expect(JSON.parse(missing.text)).toEqual({ success: false, status: 404, message: "no such node 'nope'", errors: {} });
    const param = JSON.parse((await get("/api2/extjs/resources/list?resource-type=vm")).text) as { success: boolean; status: number; errors: Record<string, string> };
    expect(param).toMatchObject({ success: false, status: 400, errors: { "resource-type": "value 'vm' is not defined in the enumeration." } });
    expect(await get("/api2/extjs/version", {})).toEqual({ status: 401, type: null, text: "authentication failed" });
  });

  it("certificates/info describes the certificate actually served, before and after a rotation", async () => {
    const served = async () => {
      // A fresh connection each time: the rotation drops kept-alive ones.
      const fresh = new Agent({ connect: { rejectUnauthorized: false } });
      try {
        const res = await request(`${sim.url}/api2/json/nodes/localhost/certificates/info`, { dispatcher: fresh, headers: { authorization: `PDMAPIToken=${sim.tokenId}:${sim.tokenSecret}` } });
        return ((await res.body.json()) as { data: ReturnType<typeof certificateInfo>[] }).data[0]!;
      } finally {
        await fresh.close();
      }
    };
    const before = await served();
    expect(before).toMatchObject({ filename: "/etc/proxmox-datacenter-manager/auth/api.pem", fingerprint: sim.fingerprint, "public-key-type": "id-ecPublicKey", "public-key-bits": 256 });
    expect(before.subject).toContain("O = Proxmox Datacenter Manager");
    expect(before.pem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(before.notafter).toBeGreaterThan(before.notbefore);
    const rotated = await sim.control.rotateCertificate();
    const after = await served();
    expect(after.fingerprint).toBe(rotated);
    expect(after.fingerprint).not.toBe(before.fingerprint);
  });

  it("proxy faults: 503/504 with HTML, PDM's 403 as text", async () => {
    sim.control.addFault({ kind: "http503", path: "^/version$", times: 1 });
    expect(await get("/api2/json/version")).toMatchObject({ status: 503, type: "text/html" });
    sim.control.addFault({ kind: "http403", path: "^/version$", times: 1 });
    expect(await get("/api2/json/version")).toEqual({ status: 403, type: "application/json;charset=UTF-8", text: "permission check failed" });
    expect((await get("/api2/json/version")).status).toBe(200);
  });

  it("delays 401s by the configured time (PDM: ≥3 s), /ping never", async () => {
    const slow = await startPdmSimulator({ remotes: 1, authFailureDelayMs: 300 });
    try {
      const at = async (path: string, headers: Record<string, string>) => {
        const t0 = performance.now();
        const res = await request(`${slow.url}${path}`, { dispatcher, headers });
        await res.body.text();
        return { status: res.statusCode, ms: performance.now() - t0 };
      };
      const bad = await at("/api2/json/version", { authorization: `PDMAPIToken=${slow.tokenId}:wrong` });
      expect(bad.status).toBe(401);
      expect(bad.ms).toBeGreaterThanOrEqual(290);
      const good = await at("/api2/json/version", { authorization: `PDMAPIToken=${slow.tokenId}:${slow.tokenSecret}` });
      expect(good.status).toBe(200);
      expect(good.ms).toBeLessThan(300);
      expect((await at("/api2/json/ping", {})).status).toBe(200);
    } finally {
      await slow.close();
    }
  });
});
