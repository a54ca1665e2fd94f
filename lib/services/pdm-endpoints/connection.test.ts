import { beforeAll, expect, it } from "vitest";
import { ctxFor, describeEachDb, type TestDb } from "@/tests/db";
import { endpointFor, simulatorPool } from "@/tests/sync-kit";
import { testPdmEndpointConnection } from "./connection";

// Test connection says what failed: a TLS error beside "reachable: yes" read as success (issue 16).

const sims = simulatorPool(1700, "conn");

describeEachDb("test connection", (get) => {
  let db: TestDb;
  beforeAll(() => {
    db = get();
  });

  it("says connected, or which stage failed: TLS, authentication, the network", async () => {
    const sim = await sims.start(2);
    const ep = await endpointFor(db, sim);
    expect(await testPdmEndpointConnection(ctxFor(db), ep.id)).toMatchObject({ ok: true, failed_stage: null, reachable: true, version: expect.any(String), error: null });

    const rotated = await sim.control.rotateCertificate();
    const tls = await testPdmEndpointConnection(ctxFor(db), ep.id);
    expect(tls).toMatchObject({ ok: false, failed_stage: "tls", error_kind: "tls_mismatch", fingerprint: rotated, fingerprint_matches: false });
    expect(tls.error).toMatch(/fingerprint/i);

    const badSecret = await endpointFor(db, sim, { fingerprint: rotated, token_secret: "not-the-secret" });
    expect(await testPdmEndpointConnection(ctxFor(db), badSecret.id)).toMatchObject({ ok: false, failed_stage: "auth", reachable: true, error_kind: "auth" });

    const closed = await endpointFor(db, sim, { port: 1, fingerprint: rotated });
    expect(await testPdmEndpointConnection(ctxFor(db), closed.id)).toMatchObject({ ok: false, failed_stage: "network", reachable: false });
  });
});
