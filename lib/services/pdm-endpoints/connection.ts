import { STATUS_CODES } from "node:http";
import { isAppError } from "@/lib/errors";
import { log } from "@/lib/log";
import { createPdmClient, type ProbeResult } from "@/lib/pdm";
import type { ServiceContext } from "../context";
import { getPdmEndpointConnection, pdmClientOptions } from ".";

/** Where a connection test stopped: the network, the TLS handshake, authentication, or PDM's API. */
export type ConnectionStage = "network" | "tls" | "auth" | "api" | "secret";

const STAGE_OF: Record<string, ConnectionStage> = {
  unreachable: "network",
  timeout: "network",
  tls: "tls",
  tls_mismatch: "tls",
  auth: "auth",
  permission: "auth",
  secret_unreadable: "secret",
};

/** The answer of "Test connection" (SPEC §6: POST …/endpoints/{id}/test/). */
export interface ConnectionTestResult {
  /** Everything worked: TLS accepted, the token authenticated, PDM answered /version. */
  ok: boolean;
  /** The stage that failed (null when ok). */
  failed_stage: ConnectionStage | null;
  /** The host answered at all (TCP); a TLS or authentication failure still reached it. */
  reachable: boolean;
  /** PDM's version (version.release), when the API answered. */
  version: string | null;
  /** The certificate PDM presented (lowercase colon hex), pinned or not. */
  fingerprint: string | null;
  /** Whether it equals the pinned fingerprint; null without a pin. */
  fingerprint_matches: boolean | null;
  latency_ms: number | null;
  error: string | null;
  error_kind: string | null;
}

const HTTP_MEANING: Partial<Record<NonNullable<ProbeResult["errorKind"]>, string>> = {
  auth: "the token id or secret was refused",
  permission: "the token lacks privileges (give it the Auditor role on /resource)",
  not_found: "no PDM API at this address",
  upstream: "an error from PDM or a proxy in front of it",
};

/**
 * The probe's error for the person testing: for an HTTP answer only its status line and what it
 * means, never the far side's body (issue 17: a server of someone else's could echo back what it
 * was sent). Transport and TLS errors are our own words.
 */
export function connectionErrorText(probe: Pick<ProbeResult, "error" | "errorKind" | "status">): string | null {
  if (!probe.error) return null;
  if (probe.status !== null && probe.errorKind !== "remote_unreachable") {
    const line = `HTTP ${probe.status}${STATUS_CODES[probe.status] ? ` ${STATUS_CODES[probe.status]}` : ""}`;
    const meaning = probe.errorKind ? HTTP_MEANING[probe.errorKind] : undefined;
    return meaning ? `${line}: ${meaning}` : line;
  }
  return probe.error;
}

/** Probes the endpoint: TLS handshake (to read the certificate), then an authenticated /version. */
export async function testPdmEndpointConnection(ctx: ServiceContext, id: number): Promise<ConnectionTestResult> {
  let conn;
  try {
    conn = await getPdmEndpointConnection(ctx, id);
  } catch (err) {
    // A secret that cannot be decrypted is an answer for the operator, not a server error.
    if (isAppError(err) && err.code === "secret_unreadable")
      return { ok: false, failed_stage: "secret", reachable: false, version: null, fingerprint: null, fingerprint_matches: null, latency_ms: null, error: err.message, error_kind: "secret_unreadable" };
    throw err;
  }
  const client = createPdmClient({ ...pdmClientOptions(conn), retries: 0 });
  try {
    if (client.tlsUnverified) log.warn(`PDM endpoint "${conn.name}": TLS verification is off (no fingerprint, verify_ssl false)`);
    const probe = await client.probe();
    const ok = probe.error === null;
    return {
      ok,
      failed_stage: ok ? null : (STAGE_OF[probe.errorKind ?? ""] ?? "api"),
      reachable: probe.reachable,
      version: probe.version,
      fingerprint: probe.fingerprint,
      fingerprint_matches: conn.fingerprint && probe.fingerprint ? conn.fingerprint === probe.fingerprint : null,
      latency_ms: probe.latencyMs,
      error: connectionErrorText(probe),
      error_kind: probe.errorKind,
    };
  } finally {
    await client.close();
  }
}
