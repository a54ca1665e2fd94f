import http from "node:http";
import tls from "node:tls";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimRemote } from "./data";
import { REMOTE_AUTH_ERROR, REMOTE_TIMEOUT_ERROR, REMOTE_TLS_ERROR } from "./pdm-routes";
import { startPdmSimulator, type RunningSimulator, type SimToken } from "./server";
import type { certificateInfo } from "./tls";

// The simulator's own wire behaviour (pdm-api.md §7): what our client tests lean on.

let sim: RunningSimulator;
const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });

beforeAll(async () => {
  sim = await startPdmSimulator({ remotes: 10, seed: 3, authFailureDelayMs: 0, forbiddenDelayMs: 0 });
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

  it("never answers before its configured latency (Node's own timers fire up to ~2 ms early)", async () => {
    const slow = await startPdmSimulator({ remotes: 20, seed: 5, latencyMs: 7, authFailureDelayMs: 0 });
    try {
      const headers = { authorization: `PDMAPIToken=${slow.tokenId}:${slow.tokenSecret}` };
      const ids = data<{ id: string }[]>(await timed(`${slow.url}/api2/json/remotes/remote`, headers)).map((r) => r.id);
      slow.control.resetStats();
      // Four at a time, as a client's pool would send them: the answers' deadlines overlap.
      const times: number[] = [];
      await Promise.all(
        [0, 1, 2, 3].map(async (w) => {
          for (let i = w; i < 40; i += 4) times.push((await timed(`${slow.url}/api2/json/remotes/remote/${ids[i % ids.length]}/version`, headers)).ms);
        }),
      );
      expect(times).toHaveLength(40);
      expect(Math.min(...times)).toBeGreaterThanOrEqual(7);
      const { latency } = slow.stats();
      expect(latency.answers).toBe(40);
      expect(latency.early).toBe(0);
      expect(latency.lateMs).toBeGreaterThanOrEqual(0);
    } finally {
      await slow.close();
    }
  });
});

const JSON_TYPE = "application/json;charset=UTF-8";
const auth = (t: { tokenid: string; secret: string }) => ({ authorization: `PDMAPIToken=${t.tokenid}:${t.secret}` });
const data = <T>(r: { text: string }) => (JSON.parse(r.text) as { data: T }).data;
const token = (name: string, acl: SimToken["acl"], over: Partial<SimToken> = {}): SimToken => ({ tokenid: `audit@pdm!${name}`, secret: `secret-${name}`, enabled: true, expire: 0, acl, ...over });

/** A request timed from before it is sent until its body has arrived. */
async function timed(url: string, headers: Record<string, string>) {
  const t0 = performance.now();
  const res = await request(url, { dispatcher, headers });
  const text = await res.body.text();
  return { status: res.statusCode, type: res.headers["content-type"] ?? null, text, ms: performance.now() - t0 };
}

function control(s: RunningSimulator, method: string, route: string, body?: unknown) {
  return request(`${s.url}/__sim/${route}`, {
    dispatcher,
    method: method as "GET",
    headers: { "x-sim-control": s.controlKey, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  }).then(async (r) => ({ status: r.statusCode, body: (await r.body.json()) as unknown }));
}

describe("tokens and ACLs (pdm-api.md §2, §7.2)", () => {
  it("the default token is Auditor on /resource, propagated", () => {
    expect(sim.control.tokens()[0]).toEqual({ tokenid: sim.tokenId, secret: sim.tokenSecret, enabled: true, expire: 0, acl: [{ path: "/resource", role: "Auditor", propagate: true }] });
  });

  it("disabled, expired, user-disabled and unknown tokens are PDM's 401", async () => {
    const t = token("states", [{ path: "/", role: "Auditor", propagate: true }]);
    sim.control.addToken(t);
    try {
      expect(await get("/api2/json/version", auth(t))).toMatchObject({ status: 200 });
      const denied = { status: 401, type: null, text: "authentication failed" };
      for (const patch of [{ enabled: false }, { expire: Math.floor(Date.now() / 1000) - 1 }, { userEnabled: false }]) {
        sim.control.updateToken(t.tokenid, patch);
        expect(await get("/api2/json/version", auth(t)), JSON.stringify(patch)).toEqual(denied);
        sim.control.updateToken(t.tokenid, { enabled: true, expire: 0, userEnabled: true });
      }
      // An expiry in the future is still a valid token.
      sim.control.updateToken(t.tokenid, { expire: Math.floor(Date.now() / 1000) + 3600 });
      expect((await get("/api2/json/version", auth(t))).status).toBe(200);
      expect(await get("/api2/json/version", auth({ tokenid: "audit@pdm!nobody", secret: t.secret }))).toEqual(denied);
      // Another token's secret does not open this one.
      expect(await get("/api2/json/version", auth({ tokenid: t.tokenid, secret: sim.tokenSecret }))).toEqual(denied);
    } finally {
      sim.control.removeToken(t.tokenid);
    }
    expect((await get("/api2/json/version", auth(t))).status).toBe(401);
  });

  it("a token with no ACL: /remotes/remote is an empty list, /resources/* are 403, /pve/remotes and /pbs/remotes are 403", async () => {
    const t = token("none", []);
    sim.control.addToken(t);
    try {
      const list = JSON.parse((await get("/api2/json/remotes/remote", auth(t))).text) as { data: unknown[]; digest: string };
      expect(list.data).toEqual([]);
      // The digest is of the whole remote configuration, not of what the caller sees.
      expect(list.digest).toBe((JSON.parse((await get("/api2/json/remotes/remote")).text) as { digest: string }).digest);
      for (const path of ["/resources/list", "/resources/status"])
        expect(await get(`/api2/json${path}`, auth(t)), path).toEqual({ status: 403, type: JSON_TYPE, text: "user has no access to resources" });
      // Parameters are verified before the handler's own check.
      expect((await get("/api2/json/resources/list?resource-type=vm", auth(t))).status).toBe(400);
      for (const path of ["/pve/remotes", "/pbs/remotes"]) expect(await get(`/api2/json${path}`, auth(t)), path).toEqual({ status: 403, type: JSON_TYPE, text: "permission check failed" });
      // Anybody: the version, directory indexes.
      expect((await get("/api2/json/version", auth(t))).status).toBe(200);
      expect((await get("/api2/json/remotes/remote/anything", auth(t))).status).toBe(200);
      expect((await get("/api2/json/pve/remotes/anything", auth(t))).status).toBe(200);
    } finally {
      sim.control.removeToken(t.tokenid);
    }
  });

  it("Audit on one remote: only it is listed and readable; the permission check comes before the 404", async () => {
    const [a, b] = sim.control.remotes() as SimRemote[];
    const t = token("one", [{ path: `/resource/${a!.id}`, role: "Auditor", propagate: false }]);
    sim.control.addToken(t);
    try {
      expect(data<{ id: string }[]>(await get("/api2/json/remotes/remote", auth(t))).map((r) => r.id)).toEqual([a!.id]);
      expect(data<{ remote: string }[]>(await get("/api2/json/resources/list", auth(t))).map((r) => r.remote)).toEqual([a!.id]);
      const status = data<{ remotes: number; "remote-list": { name: string }[] }>(await get("/api2/json/resources/status", auth(t)));
      expect(status.remotes).toBe(1);
      expect(status["remote-list"].map((r) => r.name)).toEqual([a!.id]);
      expect((await get(`/api2/json/remotes/remote/${a!.id}/config`, auth(t))).status).toBe(200);
      expect((await get(`/api2/json/remotes/remote/${a!.id}/version`, auth(t))).status).toBe(200);
      const forbidden = { status: 403, type: JSON_TYPE, text: "permission check failed" };
      expect(await get(`/api2/json/remotes/remote/${b!.id}/config`, auth(t))).toEqual(forbidden);
      expect(await get(`/api2/json/remotes/remote/${b!.id}/version`, auth(t))).toEqual(forbidden);
      expect(await get(`/api2/json/${b!.type}/remotes/${b!.id}/${b!.type === "pve" ? "nodes" : "status"}`, auth(t))).toEqual(forbidden);
      // No Audit on a remote that does not exist: 403, not 404 (pdm-api.md §2.3 note)…
      expect(await get("/api2/json/remotes/remote/nope/config", auth(t))).toEqual(forbidden);
      // …while Audit propagated from /resource does reach the 404.
      expect(await get("/api2/json/remotes/remote/nope/config")).toMatchObject({ status: 404, text: "no such node 'nope'" });
      // /api2/extjs wraps the 403 like any formatter error.
      expect(JSON.parse((await get(`/api2/extjs/remotes/remote/${b!.id}/config`, auth(t))).text)).toEqual({ success: false, status: 403, message: "permission check failed", errors: {} });
    } finally {
      sim.control.removeToken(t.tokenid);
    }
  });

  it("propagation: a non-propagated /resource entry lists every remote but audits none; NoAccess below wins; Administrator on / is still no superuser", async () => {
    const [a] = sim.control.remotes() as SimRemote[];
    const all = sim.control.remotes().map((r) => r.id);
    const flat = token("flat", [{ path: "/resource", role: "Auditor", propagate: false }]);
    const hole = token("hole", [
      { path: "/resource", role: "Auditor", propagate: true },
      { path: `/resource/${a!.id}`, role: "NoAccess", propagate: true },
    ]);
    const admin = token("admin", [{ path: "/", role: "Administrator", propagate: true }]);
    for (const t of [flat, hole, admin]) sim.control.addToken(t);
    try {
      // Any privilege on /resource itself shows every remote (PDM's list_remotes)…
      expect(data<{ id: string }[]>(await get("/api2/json/remotes/remote", auth(flat))).map((r) => r.id)).toEqual(all);
      // …and counts as Audit "below /resource", but no remote is audited through it.
      expect(data<unknown[]>(await get("/api2/json/resources/list", auth(flat)))).toEqual([]);
      expect((await get(`/api2/json/remotes/remote/${a!.id}/config`, auth(flat))).status).toBe(403);

      expect(data<{ id: string }[]>(await get("/api2/json/remotes/remote", auth(hole))).map((r) => r.id)).toEqual(all);
      expect(data<{ remote: string }[]>(await get("/api2/json/resources/list", auth(hole))).map((r) => r.remote)).toEqual(all.slice(1));
      expect((await get(`/api2/json/remotes/remote/${a!.id}/config`, auth(hole))).status).toBe(403);

      expect(data<{ remote: string }[]>(await get("/api2/json/resources/list", auth(admin))).map((r) => r.remote)).toEqual(all);
      expect((await get("/api2/json/pve/remotes", auth(admin))).status).toBe(403);
      expect((await get("/api2/json/pbs/remotes", auth(admin))).status).toBe(403);
    } finally {
      for (const t of [flat, hole, admin]) sim.control.removeToken(t.tokenid);
    }
  });

  it("Audit on a remote's node only counts as access below /resource, not to the remote", async () => {
    const [a] = sim.control.remotes() as SimRemote[];
    const t = token("node", [{ path: `/resource/${a!.id}/node/${a!.nodes[0]!.name}`, role: "Auditor", propagate: true }]);
    sim.control.addToken(t);
    try {
      expect((await get("/api2/json/resources/list", auth(t))).text).toBe('{"data":[]}');
      expect(data<unknown[]>(await get("/api2/json/remotes/remote", auth(t)))).toEqual([]);
    } finally {
      sim.control.removeToken(t.tokenid);
    }
  });

  it("delays: 401 and the permission check's 403 from the request's start; the handler's 403 at once", async () => {
    const t = token("delays", []);
    const slow = await startPdmSimulator({ remotes: 2, authFailureDelayMs: 400, forbiddenDelayMs: 400, tokens: [t] });
    try {
      const at = (path: string, who: { tokenid: string; secret: string }) => timed(`${slow.url}${path}`, auth(who));
      const disabled = { ...t, tokenid: "audit@pdm!off" };
      slow.control.addToken({ ...disabled, enabled: false });
      const unauth = await at("/api2/json/version", disabled);
      expect(unauth).toMatchObject({ status: 401, text: "authentication failed" });
      expect(unauth.ms).toBeGreaterThanOrEqual(390);
      const perm = await at("/api2/json/pve/remotes", t);
      expect(perm).toMatchObject({ status: 403, text: "permission check failed" });
      expect(perm.ms).toBeGreaterThanOrEqual(390);
      const resources = await at("/api2/json/resources/list", t);
      expect(resources).toMatchObject({ status: 403, text: "user has no access to resources" });
      expect(resources.ms).toBeLessThan(390);
    } finally {
      await slow.close();
    }
  });

  it("the HTTP control interface adds, lists, updates and removes tokens", async () => {
    const t = token("http", []);
    expect(await control(sim, "POST", "tokens", { tokenid: t.tokenid, secret: t.secret })).toEqual({ status: 201, body: { ok: true } });
    try {
      expect((await control(sim, "GET", "tokens")).body).toContainEqual(t);
      expect(data<unknown[]>(await get("/api2/json/remotes/remote", auth(t)))).toEqual([]);
      const first = sim.control.remotes()[0]!.id;
      const id = encodeURIComponent(t.tokenid);
      expect(await control(sim, "PUT", `tokens/${id}`, { acl: [{ path: `/resource/${first}`, role: "Auditor" }] })).toEqual({ status: 200, body: { ok: true } });
      expect(data<{ id: string }[]>(await get("/api2/json/remotes/remote", auth(t))).map((r) => r.id)).toEqual([first]);
      expect(await control(sim, "PUT", `tokens/${id}`, { enabled: false })).toEqual({ status: 200, body: { ok: true } });
      expect((await get("/api2/json/version", auth(t))).status).toBe(401);
      expect((await control(sim, "PUT", `tokens/${id}`, { acl: [{ path: "/", role: "Root" }] })).status).toBe(400);
      expect((await control(sim, "POST", "tokens", { tokenid: "no-realm", secret: "x" })).status).toBe(400);
      expect(await control(sim, "PUT", "tokens/nobody%40pdm!x", { enabled: true })).toEqual({ status: 200, body: { ok: false } });
    } finally {
      expect(await control(sim, "DELETE", `tokens/${encodeURIComponent(t.tokenid)}`)).toEqual({ status: 200, body: { ok: true } });
    }
    expect((await get("/api2/json/version", auth(t))).status).toBe(401);
  });
});

describe("remote states (pdm-api.md §7.4, §7.5)", () => {
  let states: RunningSimulator;
  beforeAll(async () => {
    states = await startPdmSimulator({ remotes: 12, seed: 5, nodesPerCluster: [3, 3], authFailureDelayMs: 0, forbiddenDelayMs: 0 });
  });
  afterAll(() => states.close());
  const fetchAt = async (path: string) => {
    const res = await request(`${states.url}${path}`, { dispatcher, headers: auth({ tokenid: states.tokenId, secret: states.tokenSecret }) });
    return { status: res.statusCode, type: res.headers["content-type"] ?? null, text: await res.body.text() };
  };
  const pve = () => states.control.remotes().filter((r) => r.type === "pve");
  const pbs = () => states.control.remotes().find((r) => r.type === "pbs")!;

  it("auth_broken: PDM reports the remote's 401 as its 400 and as the remote's error", async () => {
    const r = pve()[0]!;
    states.control.setState(r.id, { kind: "auth_broken" });
    try {
      expect(await fetchAt(`/api2/json/remotes/remote/${r.id}/version`)).toEqual({ status: 400, type: JSON_TYPE, text: REMOTE_AUTH_ERROR });
      expect(await fetchAt(`/api2/json/pve/remotes/${r.id}/nodes`)).toEqual({ status: 400, type: JSON_TYPE, text: REMOTE_AUTH_ERROR });
      expect(data<unknown[]>(await fetchAt("/api2/json/resources/list"))).toContainEqual({ remote: r.id, error: "api error (status = 401: authentication failure)" });
      const status = data<{ failed_remotes_list: unknown[]; "remote-list": unknown[] }>(await fetchAt("/api2/json/resources/status"));
      expect(status.failed_remotes_list).toEqual([{ name: r.id, error: REMOTE_AUTH_ERROR, remote_type: "pve" }]);
      expect(status["remote-list"]).toContainEqual({ name: r.id, ty: "pve", messages: [REMOTE_AUTH_ERROR], status: "Error" });
      // Config is local to PDM: unaffected.
      expect((await fetchAt(`/api2/json/remotes/remote/${r.id}/config`)).status).toBe(200);
    } finally {
      states.control.setOnline(r.id);
    }
  });

  it("tls_mismatch: the TLS error everywhere PDM connects, and probe-certificate shows the new certificate", async () => {
    const r = pve()[1]!;
    const presented = "ab:".repeat(31) + "ab";
    states.control.setState(r.id, { kind: "tls_mismatch", fingerprint: presented });
    try {
      expect(REMOTE_TLS_ERROR).toBe(
        "Could not establish a TLS connection. Check whether the fingerprint matches or the certificate is valid. OpenSSL Error: error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed",
      );
      expect(data<unknown[]>(await fetchAt("/api2/json/resources/list"))).toContainEqual({ remote: r.id, error: REMOTE_TLS_ERROR });
      for (const path of [`/remotes/remote/${r.id}/version`, `/pve/remotes/${r.id}/nodes`, `/pve/remotes/${r.id}/cluster-status`])
        expect(await fetchAt(`/api2/json${path}`), path).toEqual({ status: 400, type: JSON_TYPE, text: `connection failed: ${REMOTE_TLS_ERROR}` });
      const probe = await request(`${states.url}/api2/json/remotes/remote/${r.id}/probe-certificate`, {
        dispatcher,
        method: "POST",
        headers: { ...auth({ tokenid: states.tokenId, secret: states.tokenSecret }), "content-type": "application/json" },
        body: JSON.stringify({ node: r.nodes[0]!.hostname }),
      });
      expect(probe.statusCode).toBe(200);
      const info = ((await probe.body.json()) as { data: { UntrustedCertificate: Record<string, unknown> } }).data.UntrustedCertificate;
      expect(info).toMatchObject({ filename: "", fingerprint: presented, "public-key-type": "rsaEncryption" });
      expect(info.subject).toContain("O = Proxmox Virtual Environment");
    } finally {
      states.control.setOnline(r.id);
    }
  });

  it("probe-certificate: the pinned node's certificate, TrustedCertificate without a pin, PDM's errors", async () => {
    const post = async (id: string, body: string, type = "application/x-www-form-urlencoded") => {
      const res = await request(`${states.url}/api2/json/remotes/remote/${id}/probe-certificate`, {
        dispatcher,
        method: "POST",
        headers: { ...auth({ tokenid: states.tokenId, secret: states.tokenSecret }), "content-type": type },
        body,
      });
      return { status: res.statusCode, text: await res.body.text() };
    };
    const r: SimRemote = { ...pve()[2]!, id: "probe-me", state: { kind: "online" } };
    r.nodes = [
      { ...r.nodes[0]!, hostname: "10.1.1.1:8006", fingerprint: "CD:".repeat(31) + "CD" },
      { ...r.nodes[1]!, hostname: "pve2.probe.example", fingerprint: null },
    ];
    states.control.addRemote(r);
    try {
      const pinned = await post(r.id, `node=${encodeURIComponent("10.1.1.1:8006")}`);
      expect(pinned.status).toBe(200);
      expect((JSON.parse(pinned.text) as { data: { UntrustedCertificate: { fingerprint: string } } }).data.UntrustedCertificate.fingerprint).toBe("cd:".repeat(31) + "cd");
      expect(await post(r.id, "node=pve2.probe.example")).toEqual({ status: 200, text: '{"data":"TrustedCertificate"}' });
      expect(await post(r.id, "node=elsewhere")).toEqual({ status: 404, text: `node "elsewhere" not configured for remote "probe-me"` });
      expect(await post(r.id, "")).toEqual({ status: 400, text: "parameter verification failed - 'node': parameter is missing and it is not optional." });
      expect(await post("nope", "node=x")).toEqual({ status: 404, text: "no such node 'nope'" });
      states.control.setOffline(r.id, "Could not connect: no route to host");
      expect(await post(r.id, "node=pve2.probe.example")).toEqual({ status: 400, text: "connection failed: Could not connect: no route to host" });
    } finally {
      states.control.removeRemote(r.id);
    }
  });

  it("slow: PDM's calls take that long; /resources/list waits for the slowest; the remote list does not", async () => {
    const r = pbs();
    states.control.setState(r.id, { kind: "slow", seconds: 0.4 });
    try {
      const base = { tokenid: states.tokenId, secret: states.tokenSecret };
      const version = await timed(`${states.url}/api2/json/remotes/remote/${r.id}/version`, auth(base));
      expect(version.status).toBe(200);
      expect(version.ms).toBeGreaterThanOrEqual(390);
      const list = await timed(`${states.url}/api2/json/resources/list`, auth(base));
      expect(list.status).toBe(200);
      expect(list.ms).toBeGreaterThanOrEqual(390);
      expect(JSON.parse(list.text).data).toContainEqual(expect.objectContaining({ remote: r.id, resources: expect.any(Array) }));
      expect((await timed(`${states.url}/api2/json/remotes/remote`, auth(base))).ms).toBeLessThan(390);
    } finally {
      states.control.setOnline(r.id);
    }
  });

  it("slow past PDM's timeout: (nodes + 1) timeouts, then 'timed out'; instant once back-off is active", async () => {
    const dead = await startPdmSimulator({ remotes: 3, seed: 9, pbsShare: 0, nodesPerCluster: [2, 2], authFailureDelayMs: 0, remoteTimeoutMs: 150, backOffAfterMs: 1000 });
    try {
      const r = dead.control.remotes()[0]!;
      dead.control.setState(r.id, { kind: "slow", seconds: 60 });
      const base = auth({ tokenid: dead.tokenId, secret: dead.tokenSecret });
      const first = await timed(`${dead.url}/api2/json/remotes/remote/${r.id}/version`, base);
      expect(first).toMatchObject({ status: 400, type: JSON_TYPE, text: REMOTE_TIMEOUT_ERROR });
      expect(first.ms).toBeGreaterThanOrEqual(440); // 150 ms × (2 nodes + 1)
      const list = await timed(`${dead.url}/api2/json/resources/list`, base);
      expect(JSON.parse(list.text).data[0]).toEqual({ remote: r.id, error: "failed to perform API request: timed out" });
      await new Promise((res) => setTimeout(res, 1000));
      const later = await timed(`${dead.url}/api2/json/remotes/remote/${r.id}/version`, base);
      expect(later).toMatchObject({ status: 400, text: REMOTE_TIMEOUT_ERROR });
      expect(later.ms).toBeLessThan(440);
      // A state change ends the back-off.
      dead.control.setOnline(r.id);
      expect((await timed(`${dead.url}/api2/json/remotes/remote/${r.id}/version`, base)).status).toBe(200);
    } finally {
      await dead.close();
    }
  });

  it("one PVE node offline: node list, cluster status, resources and status say so; all nodes offline is an unreachable remote", async () => {
    const r = pve()[3]!;
    const [n1, n2, n3] = r.nodes;
    expect(states.control.setNodeOffline(r.id, n2!.name)).toBe(true);
    try {
      const nodes = data<Record<string, unknown>[]>(await fetchAt(`/api2/json/pve/remotes/${r.id}/nodes`));
      expect(nodes[1]).toEqual({ node: n2!.name, status: "offline" });
      expect(nodes[0]).toMatchObject({ node: n1!.name, status: "online", ssl_fingerprint: expect.any(String) });
      const cs = data<Record<string, unknown>[]>(await fetchAt(`/api2/json/pve/remotes/${r.id}/cluster-status`));
      expect(cs[0]).toMatchObject({ type: "cluster", quorate: true, nodes: 3 });
      expect(cs.find((x) => x.name === n2!.name)).toMatchObject({ online: false, type: "node" });
      expect(cs.find((x) => x.name === n3!.name)).toMatchObject({ online: true });
      const entry = data<{ remote: string; resources: Record<string, unknown>[] }[]>(await fetchAt("/api2/json/resources/list")).find((x) => x.remote === r.id)!;
      expect(entry.resources.find((x) => x.node === n2!.name)).toMatchObject({ type: "pve-node", status: "offline" });
      const status = data<{ pve_nodes: { offline: number }; "remote-list": unknown[] }>(await fetchAt("/api2/json/resources/status"));
      expect(status.pve_nodes.offline).toBe(1);
      expect(status["remote-list"]).toContainEqual({ name: r.id, ty: "pve", messages: [`Node '${n2!.name}' is offline`], status: "Warning" });
      states.control.setNodeOffline(r.id, n1!.name);
      states.control.setNodeOffline(r.id, n3!.name);
      expect(await fetchAt(`/api2/json/remotes/remote/${r.id}/version`)).toMatchObject({ status: 400, text: "connection failed: Could not connect: connection refused (os error 111)" });
    } finally {
      for (const n of r.nodes) states.control.setNodeOffline(r.id, n.name, false);
    }
    expect((await fetchAt(`/api2/json/remotes/remote/${r.id}/version`)).status).toBe(200);
  });

  it("states and nodes over the HTTP control interface", async () => {
    const r = pve()[4]!;
    expect(await control(states, "POST", `remotes/${r.id}/state`, { kind: "auth_broken", message: "api error (status = 401: invalid token value!)" })).toEqual({ status: 200, body: { ok: true } });
    expect(await fetchAt(`/api2/json/remotes/remote/${r.id}/version`)).toMatchObject({ status: 400, text: "api error (status = 401: invalid token value!)" });
    expect((await control(states, "POST", `remotes/${r.id}/state`, { kind: "slow" })).status).toBe(400);
    expect(await control(states, "POST", `remotes/${r.id}/state`, { kind: "online" })).toEqual({ status: 200, body: { ok: true } });
    expect(await control(states, "POST", `remotes/${r.id}/nodes/${r.nodes[2]!.name}/offline`)).toEqual({ status: 200, body: { ok: true } });
    expect(data<Record<string, unknown>[]>(await fetchAt(`/api2/json/pve/remotes/${r.id}/nodes`))[2]).toEqual({ node: r.nodes[2]!.name, status: "offline" });
    expect(await control(states, "POST", `remotes/${r.id}/nodes/${r.nodes[2]!.name}/online`)).toEqual({ status: 200, body: { ok: true } });
    expect(await control(states, "POST", `remotes/${r.id}/nodes/nope/offline`)).toEqual({ status: 200, body: { ok: false } });
  });

  it("the control routes check their bodies: a 400 says what is wrong, an unknown route is a 404", async () => {
    const r = pve()[5]!;
    expect(await control(states, "POST", "faults", { kind: "meltdown" })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^kind: /) as unknown } });
    expect((await control(states, "POST", "faults", { kind: "latency", path: "(" })).status).toBe(400);
    expect((await control(states, "POST", `remotes/${r.id}/version`, {})).status).toBe(400);
    expect((await control(states, "POST", "remotes", { id: "half-a-remote" })).status).toBe(400);
    expect((await control(states, "POST", "latency", null)).status).toBe(400);
    expect(await control(states, "POST", `remotes/${r.id}/version`, { version: "9.9.9" })).toEqual({ status: 200, body: { ok: true } });
    expect(states.control.remotes().find((x) => x.id === r.id)?.version).toBe("9.9.9");
    expect(await control(states, "POST", "remotes", { generate: { remotes: 1, prefix: "ctl" } })).toMatchObject({ status: 201, body: [{ id: expect.stringMatching(/^ctl/) as unknown }] });
    expect(await control(states, "GET", "nothing-here")).toEqual({ status: 404, body: { error: "unknown control route" } });
    expect(await control(states, "GET", `remotes/${r.id}/online`)).toEqual({ status: 404, body: { error: "unknown control route" } });
  });
});

describe("transport faults (pdm-api.md §7.1, §7.5 #3, #4)", () => {
  it("reset-mid-body: the headers promise the whole body, part of it arrives, then the connection dies", async () => {
    sim.control.addFault({ kind: "reset-mid-body", path: "^/version$", times: 1 });
    const fresh = new Agent({ connect: { rejectUnauthorized: false } });
    try {
      const res = await request(`${sim.url}/api2/json/version`, { dispatcher: fresh, headers: auth({ tokenid: sim.tokenId, secret: sim.tokenSecret }) });
      expect(res.statusCode).toBe(200);
      expect(Number(res.headers["content-length"])).toBeGreaterThan(40);
      await expect(res.body.text()).rejects.toThrow();
    } finally {
      await fresh.close();
    }
    expect((await get("/api2/json/version")).status).toBe(200);
  });

  it("trickle: the headers at once, the body bit by bit over the configured time", async () => {
    sim.control.addFault({ kind: "trickle", path: "^/version$", latencyMs: 400, chunkBytes: 10, times: 1 });
    const t0 = performance.now();
    const res = await request(`${sim.url}/api2/json/version`, { dispatcher, headers: auth({ tokenid: sim.tokenId, secret: sim.tokenSecret }) });
    const headersAt = performance.now() - t0;
    const chunks: number[] = [];
    for await (const c of res.body) chunks.push((c as Buffer).length);
    const doneAt = performance.now() - t0;
    expect(res.statusCode).toBe(200);
    expect(headersAt).toBeLessThan(300);
    expect(doneAt).toBeGreaterThanOrEqual(380);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(Number(res.headers["content-length"]));
  });

  it("tls-abort: new connections die in the handshake (no request reaches the API); it counts connections", async () => {
    sim.control.addFault({ kind: "tls-abort", times: 1 });
    sim.control.resetStats();
    const handshake = () =>
      new Promise<string>((resolve) => {
        const s = tls.connect({ host: sim.host, port: sim.port, rejectUnauthorized: false }, () => {
          s.destroy();
          resolve("connected");
        });
        s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });
    expect(await handshake()).toBe("ECONNRESET");
    expect(await handshake()).toBe("connected");
    expect(sim.stats().requests).toBe(0);
  });

  it("faults compose: a latency and a 502 on the same path give a late 502", async () => {
    sim.control.addFault({ kind: "latency", path: "^/version$", latencyMs: 300, times: 1 });
    sim.control.addFault({ kind: "http502", path: "^/version$", times: 1 });
    const r = await timed(`${sim.url}/api2/json/version`, auth({ tokenid: sim.tokenId, secret: sim.tokenSecret }));
    expect(r).toMatchObject({ status: 502, type: "text/html" });
    expect(r.ms).toBeGreaterThanOrEqual(290);
    expect((await get("/api2/json/version")).status).toBe(200);
  });

  it("plain HTTP on the API port: 301 for GET/HEAD, 308 otherwise, to the same URL over https", async () => {
    const plain = (method: string) =>
      new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.request(`http://${sim.host}:${sim.port}/api2/json/remotes/remote?x=1`, { method }, resolve);
        req.on("error", reject);
        req.end();
      });
    const get301 = await plain("GET");
    get301.resume();
    expect(get301.statusCode).toBe(301);
    expect(get301.headers.location).toBe(`https://${sim.host}:${sim.port}/api2/json/remotes/remote?x=1`);
    const head = await plain("HEAD");
    head.resume();
    expect(head.statusCode).toBe(301);
    const post = await plain("POST");
    post.resume();
    expect(post.statusCode).toBe(308);
    expect(post.headers.location).toBe(`https://${sim.host}:${sim.port}/api2/json/remotes/remote?x=1`);
  });
});

describe("the control interface over HTTP", () => {
  it("rotate-certificate answers with the new fingerprint (its own connection survives the rotation)", async () => {
    const fresh = new Agent({ connect: { rejectUnauthorized: false } });
    try {
      const res = await request(`${sim.url}/__sim/rotate-certificate`, { dispatcher: fresh, method: "POST", headers: { "x-sim-control": sim.controlKey } });
      expect(res.statusCode).toBe(200);
      expect(await res.body.json()).toEqual({ fingerprint: sim.fingerprint });
    } finally {
      await fresh.close();
    }
  });
});
