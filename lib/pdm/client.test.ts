import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startPdmSimulator, type RunningSimulator } from "@/sim/server";

/** What the simulator's /version answers (PDM 1.1, release 7): a call that succeeded returned it. */
const PDM_VERSION = { version: "1.1", release: "7", full: "1.1.7" };
import { createPdmClient, createRequestLimiter, isPdmError, type PdmError, type PdmClientOptions } from ".";

// The client against the simulator, which speaks PDM's wire format (pdm-api.md §7).

let sim: RunningSimulator;
const clients: { close(): Promise<void> }[] = [];
const errorsSeen: unknown[] = [];

beforeAll(async () => {
  sim = await startPdmSimulator({ remotes: 30, seed: 7, authFailureDelayMs: 0 });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim.close();
  // No error, message or serialized form ever carries the token secret.
  for (const e of errorsSeen) {
    const dump = `${String(e)} ${JSON.stringify(e)} ${inspect(e, { depth: 5 })}`;
    expect(dump).not.toContain(sim.tokenSecret);
  }
  expect(JSON.stringify(sim.requestLog())).not.toContain(sim.tokenSecret);
});
afterEach(() => {
  sim.control.clearFaults();
  sim.control.setLatency(0);
});

function client(over: Partial<PdmClientOptions> = {}) {
  const c = createPdmClient({
    host: sim.host,
    port: sim.port,
    tokenId: sim.tokenId,
    tokenSecret: sim.tokenSecret,
    fingerprint: sim.fingerprint,
    verifySsl: true,
    timeoutSeconds: 5,
    retryDelayMs: 5,
    ...over,
  });
  clients.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<PdmError> {
  try {
    await p;
  } catch (err) {
    errorsSeen.push(err);
    expect(isPdmError(err)).toBe(true);
    return err as PdmError;
  }
  throw new Error("expected a PdmError");
}

function requestsTo(path: string) {
  return sim.requestLog().filter((e) => e.path === `/api2/json${path}`);
}

describe("the wire", () => {
  it("sends exactly `PDMAPIToken=<id>:<secret>`, GET, no Content-Type", async () => {
    sim.control.resetStats();
    await client().version();
    const [entry] = requestsTo("/version");
    expect(entry!.method).toBe("GET");
    expect(entry!.contentType).toBeNull();
    expect(entry!.authorization).toBe(`PDMAPIToken=${sim.tokenId}:***`);
  });

  it("version joins version and release; remotes parse node strings", async () => {
    const c = client();
    expect(await c.version()).toMatchObject({ version: "1.1", release: "7", full: "1.1.7" });
    const remotes = await c.listRemotes();
    expect(remotes).toHaveLength(30);
    for (const r of remotes) {
      expect(["pve", "pbs"]).toContain(r.type);
      for (const n of r.nodes) {
        expect(n.host).not.toMatch(/[[\],]/);
        if (n.fingerprint) expect(n.fingerprint).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){31}$/);
      }
    }
    const one = remotes[0]!;
    const expected = sim.control.remotes().find((r) => r.id === one.name)!;
    expect(await c.remoteVersion(one.name)).toBe(expected.version);
  });
});

describe("TLS", () => {
  it("a pinned self-signed certificate is accepted; verify_ssl without a pin refuses it", async () => {
    await expect(client().version()).resolves.toMatchObject(PDM_VERSION);
    const e = await failure(client({ fingerprint: null, verifySsl: true }).version());
    expect(e.kind).toBe("tls");
    expect(e.message).toMatch(/self-signed/);
    await expect(client({ fingerprint: null, verifySsl: false }).version()).resolves.toMatchObject(PDM_VERSION);
    expect(client({ fingerprint: null, verifySsl: false }).tlsUnverified).toBe(true);
  });

  it("the pin is compared case- and colon-insensitively", async () => {
    await expect(client({ fingerprint: sim.fingerprint.toUpperCase() }).version()).resolves.toMatchObject(PDM_VERSION);
    await expect(client({ fingerprint: sim.fingerprint.replace(/:/g, "") }).version()).resolves.toMatchObject(PDM_VERSION);
    const e = await failure(client({ fingerprint: "00".repeat(32) }).version());
    expect(e.kind).toBe("tls_mismatch");
    expect(e.message).toBe(`TLS fingerprint mismatch: expected ${"00:".repeat(31)}00, presented ${sim.fingerprint}`);
  });

  it("after a certificate rotation the pin fails with both fingerprints, and no request is sent", async () => {
    const c = client();
    await c.version();
    const old = sim.fingerprint;
    const rotated = await sim.control.rotateCertificate();
    sim.control.resetStats();
    const e = await failure(c.listRemotes());
    expect(e.kind).toBe("tls_mismatch");
    expect(e.message).toContain(`expected ${old}`);
    expect(e.message).toContain(`presented ${rotated}`);
    expect(sim.stats().requests).toBe(0);
    // The probe still reports what the server presents, so an operator can re-pin.
    const probe = await c.probe();
    expect(probe.fingerprint).toBe(rotated);
    expect(probe.errorKind).toBe("tls_mismatch");
    expect(sim.stats().requests).toBe(0);
    // Later tests pin the new certificate (sim.fingerprint follows the rotation).
  });
});

describe("errors and retries", () => {
  it("401 auth, never retried", async () => {
    sim.control.resetStats();
    const e = await failure(client({ tokenSecret: "wrong-secret" }).version());
    expect(e.kind).toBe("auth");
    expect(e.message).toBe("HTTP 401: authentication failed");
    expect(requestsTo("/version")).toHaveLength(1);
  });

  it("a 401 on a later call is auth too, never retried", async () => {
    sim.control.addFault({ kind: "http401", path: "^/remotes/remote$", times: 1 });
    sim.control.resetStats();
    expect((await failure(client().listRemotes())).kind).toBe("auth");
    expect(requestsTo("/remotes/remote")).toHaveLength(1);
  });

  it("403 permission and 404 not found, never retried", async () => {
    sim.control.addFault({ kind: "http403", path: "^/remotes/remote$" });
    sim.control.resetStats();
    const denied = await failure(client().listRemotes());
    expect(denied.kind).toBe("permission");
    expect(denied.message).toBe("HTTP 403: permission check failed");
    expect(requestsTo("/remotes/remote")).toHaveLength(1);
    const nf = await failure(client().remoteVersion("no-such-remote"));
    expect(nf.kind).toBe("not_found");
    expect(nf.message).toBe("HTTP 404: no such node 'no-such-remote'");
    expect(requestsTo("/remotes/remote/no-such-remote/version")).toHaveLength(1);
  });

  it("503 and 504 are retried like 502; PDM's own 400 is not", async () => {
    for (const kind of ["http503", "http504"] as const) {
      sim.control.clearFaults();
      sim.control.addFault({ kind, path: "^/version$" });
      sim.control.resetStats();
      const e = await failure(client().version());
      expect(e.kind).toBe("upstream");
      expect(e.status).toBe(kind === "http503" ? 503 : 504);
      expect(requestsTo("/version")).toHaveLength(2);
    }
    sim.control.clearFaults();
    const r = sim.control.remotes()[5]!;
    sim.control.setOffline(r.id, "timed out");
    try {
      sim.control.resetStats();
      expect((await failure(client().remoteVersion(r.id))).kind).toBe("remote_unreachable");
      expect(requestsTo(`/remotes/remote/${r.id}/version`)).toHaveLength(1);
    } finally {
      sim.control.setOnline(r.id);
    }
  });

  it("502 with an HTML body is retried once, then reported briefly", async () => {
    sim.control.addFault({ kind: "http502", path: "^/version$" });
    sim.control.resetStats();
    const e = await failure(client().version());
    expect(e.kind).toBe("upstream");
    expect(e.message).toBe("HTTP 502: 502 Bad Gateway");
    expect(requestsTo("/version")).toHaveLength(2);
    sim.control.clearFaults();
    sim.control.addFault({ kind: "http502", path: "^/version$", times: 1 });
    await expect(client().version()).resolves.toMatchObject(PDM_VERSION);
  });

  it("a connection reset is retried once; two are reported as unreachable", async () => {
    sim.control.addFault({ kind: "reset", path: "^/version$", times: 1 });
    await expect(client().version()).resolves.toMatchObject(PDM_VERSION);
    sim.control.addFault({ kind: "reset", path: "^/version$", times: 2 });
    const e = await failure(client().version());
    expect(e.kind).toBe("unreachable");
  });

  it("a TLS handshake aborted by the server is unreachable, retried once, and never sends the request", async () => {
    sim.control.addFault({ kind: "tls-abort", times: 1 });
    sim.control.resetStats();
    await expect(client().version()).resolves.toMatchObject(PDM_VERSION);
    sim.control.addFault({ kind: "tls-abort" });
    try {
      sim.control.resetStats();
      const e = await failure(client().version());
      expect(e.kind).toBe("unreachable");
      expect(e.message).toMatch(/^cannot reach PDM at .+: connection reset$/);
      expect(sim.stats().requests).toBe(0);
    } finally {
      sim.control.clearFaults();
    }
  });

  it("a connection reset mid-body is retried once, then unreachable (never malformed or a short list)", async () => {
    sim.control.addFault({ kind: "reset-mid-body", path: "^/remotes/remote$", times: 1 });
    sim.control.resetStats();
    expect(await client().listRemotes()).toHaveLength(sim.control.remotes().length);
    expect(requestsTo("/remotes/remote")).toHaveLength(2);
    sim.control.addFault({ kind: "reset-mid-body", path: "^/remotes/remote$" });
    sim.control.resetStats();
    const e = await failure(client().listRemotes());
    expect(e.kind).toBe("unreachable");
    expect(requestsTo("/remotes/remote")).toHaveLength(2);
  });

  it("a body trickling past timeout_seconds is a timeout, retried once; within it, a success", async () => {
    sim.control.addFault({ kind: "trickle", path: "^/version$", latencyMs: 300, chunkBytes: 8, times: 1 });
    await expect(client({ timeoutSeconds: 1 }).version()).resolves.toMatchObject({ full: "1.1.7" });
    sim.control.addFault({ kind: "trickle", path: "^/version$", latencyMs: 2500, chunkBytes: 8 });
    sim.control.resetStats();
    const t0 = performance.now();
    const e = await failure(client({ timeoutSeconds: 1 }).version());
    const elapsed = performance.now() - t0;
    expect(e.kind).toBe("timeout");
    expect(requestsTo("/version")).toHaveLength(2);
    // The headers came at once: only the whole-request deadline catches the trickle.
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(elapsed).toBeLessThan(2500 * 2);
  });

  it("refused connections are unreachable", async () => {
    const e = await failure(client({ port: 1 }).version());
    expect(e.kind).toBe("unreachable");
    expect(e.message).toMatch(/connection refused/);
  });

  it("a slow answer is a timeout at timeout_seconds, retried once", async () => {
    sim.control.addFault({ kind: "latency", path: "^/version$", latencyMs: 1500 });
    sim.control.resetStats();
    const t0 = performance.now();
    const e = await failure(client({ timeoutSeconds: 1 }).version());
    const elapsed = performance.now() - t0;
    expect(e.kind).toBe("timeout");
    expect(e.message).toMatch(/^timeout: /);
    expect(requestsTo("/version")).toHaveLength(2);
    // Two attempts of 1 s each (plus the backoff), not undici's coarse ~1.5 s timers.
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(elapsed).toBeLessThan(2900);
  });

  it("malformed: truncated JSON, data null, data of the wrong type, HTML with 200", async () => {
    for (const kind of ["truncate", "null-data", "object-data", "html200"] as const) {
      sim.control.addFault({ kind, path: "^/remotes/remote$", times: 1 });
      const e = await failure(client().listRemotes());
      expect(e.kind, kind).toBe("malformed");
      expect(e.message).toMatch(/^malformed response from \/remotes\/remote: /);
    }
    sim.control.addFault({ kind: "object-data", path: "^/version$", times: 1 });
    expect((await failure(client().version())).message).toMatch(/data\.version/);
  });

  it("PDM's 400 for an unreachable remote is remote_unreachable with PDM's text", async () => {
    const r = sim.control.remotes()[3]!;
    sim.control.setOffline(r.id, "Could not connect: connection refused (os error 111)");
    try {
      const e = await failure(client().remoteVersion(r.id));
      expect(e.kind).toBe("remote_unreachable");
      expect(e.message).toBe("connection failed: Could not connect: connection refused (os error 111)");
      const all = await client().remoteVersions([r.id, sim.control.remotes()[4]!.id]);
      expect(all.get(r.id)).toMatchObject({ ok: false, kind: "remote_unreachable" });
      expect(all.get(sim.control.remotes()[4]!.id)).toMatchObject({ ok: true });
    } finally {
      sim.control.setOnline(r.id);
    }
  });
});

describe("concurrency", () => {
  it("several clients sharing one limiter never exceed it, and reuse their sockets", async () => {
    sim.control.setLatency(15);
    sim.control.resetStats();
    const limiter = createRequestLimiter(3);
    const ids = sim.control.remotes().map((r) => r.id);
    const a = client({ limiter });
    const b = client({ limiter });
    await Promise.all([a.remoteVersions(ids), b.remoteVersions(ids), a.listRemotes()]);
    const stats = sim.stats();
    expect(stats.peakInFlight).toBeLessThanOrEqual(3);
    expect(stats.peakInFlight).toBeGreaterThanOrEqual(2);
    expect(stats.connections).toBeLessThanOrEqual(6);
  });
});

describe("probe", () => {
  it("reports version, fingerprint and latency; errors in plain words", async () => {
    const ok = await client().probe();
    expect(ok).toMatchObject({ reachable: true, version: "1.1.7", fingerprint: sim.fingerprint, error: null });
    expect(ok.latencyMs).toBeGreaterThanOrEqual(0);
    const down = await client({ port: 1 }).probe();
    expect(down).toMatchObject({ reachable: false, version: null, errorKind: "unreachable" });
    const bad = await client({ tokenSecret: "nope" }).probe();
    expect(bad).toMatchObject({ reachable: true, errorKind: "auth", error: "HTTP 401: authentication failed" });
    errorsSeen.push(down, bad);
  });
});
