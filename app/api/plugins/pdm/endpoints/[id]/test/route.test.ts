import https from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPdmSimulator, type RunningSimulator } from "@/sim/server";
import { makeCertificate } from "@/sim/tls";
import { setupApi } from "@/tests/api";
import { api, asJson } from "@/tests/api/client";
import { describeEachDb, uniq } from "@/tests/db";

// POST /api/plugins/pdm/endpoints/{id}/test/ against the simulator (issue #4, "Test connection"):
// reachable, PDM's version, the presented fingerprint, latency and the error in plain words.

describeEachDb("Test connection", (get) => {
  let sim: RunningSimulator;
  let keys: Awaited<ReturnType<typeof setupApi>>;

  beforeAll(async () => {
    keys = await setupApi(get());
    sim = await startPdmSimulator({ remotes: 3, seed: 11, authFailureDelayMs: 0 });
  });
  afterAll(async () => {
    await sim.close();
  });

  async function endpoint(over: Record<string, unknown> = {}): Promise<number> {
    const res = await api("POST", "/api/plugins/pdm/endpoints/", {
      token: keys.admin,
      body: { name: uniq("conn"), host: sim.host, port: sim.port, token_id: sim.tokenId, token_secret: sim.tokenSecret, timeout_seconds: 5, ...over },
    });
    expect(res.status, res.text).toBe(201);
    return asJson(res.body).id as number;
  }
  const test = (id: number, token = keys.editor) => api("POST", `/api/plugins/pdm/endpoints/${id}/test/`, { token });

  it("unpinned and verified: reachable, fingerprint shown to pin, the CA error in plain words", async () => {
    const res = await test(await endpoint({ verify_ssl: true }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ reachable: true, version: null, fingerprint: sim.fingerprint, fingerprint_matches: null, error_kind: "tls" });
    expect(asJson(res.body).error).toMatch(/self-signed/);
  });

  it("pinned: version, matching fingerprint and latency", async () => {
    const res = await test(await endpoint({ fingerprint: sim.fingerprint.toUpperCase() }));
    expect(res.body).toMatchObject({ reachable: true, version: "1.1.7", fingerprint: sim.fingerprint, fingerprint_matches: true, error: null, error_kind: null });
    expect(asJson(res.body).latency_ms).toEqual(expect.any(Number));
  });

  it("a wrong pin, a wrong secret and a dead port, each named; the secret never in the answer", async () => {
    const wrongPin = await test(await endpoint({ fingerprint: "ab".repeat(32) }));
    expect(wrongPin.body).toMatchObject({ reachable: true, fingerprint: sim.fingerprint, fingerprint_matches: false, error_kind: "tls_mismatch" });
    expect(asJson(wrongPin.body).error).toContain(`presented ${sim.fingerprint}`);
    const badSecret = await test(await endpoint({ fingerprint: sim.fingerprint, token_secret: "not-the-secret" }));
    expect(badSecret.body).toMatchObject({ reachable: true, error_kind: "auth", error: "HTTP 401 Unauthorized: the token id or secret was refused" });
    const dead = await test(await endpoint({ port: 1 }));
    expect(dead.body).toMatchObject({ reachable: false, version: null, fingerprint: null, latency_ms: null, error_kind: "unreachable" });
    for (const r of [wrongPin, badSecret, dead]) expect(r.text).not.toContain(sim.tokenSecret);
  });

  it("a server that echoes the request gets no secret shown: the status line only, the secret scrubbed from data", async () => {
    const cert = await makeCertificate("echo");
    // A TLS server of someone else's that echoes the Authorization header: in a 401 body, then as data.
    let mode: "401" | "200" = "401";
    const echo = https.createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      const auth = String(req.headers.authorization);
      res.writeHead(mode === "401" ? 401 : 200, { "Content-Type": "application/json" });
      res.end(mode === "401" ? `permission denied for ${auth}` : JSON.stringify({ data: { version: auth, release: "1" } }));
    });
    await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
    const port = (echo.address() as AddressInfo).port;
    const secret = "echo-me-secret-0987";
    try {
      const id = await endpoint({ host: "127.0.0.1", port, fingerprint: cert.fingerprint, token_secret: secret });
      const refused = await test(id);
      expect(refused.body).toMatchObject({ reachable: true, error_kind: "auth", error: "HTTP 401 Unauthorized: the token id or secret was refused" });
      expect(refused.text).not.toContain(secret);
      expect(refused.text).not.toContain("permission denied");
      mode = "200";
      const echoed = await test(id);
      expect(echoed.status).toBe(200);
      expect(echoed.text).not.toContain(secret);
      expect(asJson(echoed.body).version).toContain("[redacted]");
    } finally {
      await new Promise((r) => echo.close(r));
    }
  });

  it("needs sync.run: viewers are refused, unknown ids are 404", async () => {
    const id = await endpoint({ fingerprint: sim.fingerprint });
    expect((await test(id, keys.viewer)).status).toBe(403);
    expect((await test(999_999)).status).toBe(404);
  });
});
