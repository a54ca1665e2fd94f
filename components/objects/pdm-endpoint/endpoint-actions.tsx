"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { pinFingerprintAction, syncNowAction, testConnectionAction } from "@/actions/endpoints";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import type { ConnectionTestResult } from "@/lib/services/pdm-endpoints/connection";

/** "Sync now" for one endpoint, or for every enabled endpoint when `endpointId` is null. */
/** What failed, in words: the stage the connection test stopped at. */
const STAGE_TEXT = {
  network: "host not reachable",
  tls: "TLS failed",
  auth: "authentication failed",
  api: "PDM answered with an error",
  secret: "token secret unreadable",
} as const;

export function SyncNowButton({ endpointId, label = "Sync now" }: { endpointId: number | null; label?: string }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  return (
    <span className="inline-flex items-center gap-2">
      <Button
        variant="primary"
        disabled={pending}
        onClick={() =>
          start(async () => {
            const res = await syncNowAction(endpointId === null ? null : [endpointId]);
            if (res.ok) router.push(`/plugins/pdm/sync-runs/${res.data.runId}/`);
            else setError(res.error);
          })
        }
      >
        {pending ? "Starting…" : label}
      </Button>
      {error && (
        <span role="alert" className="text-sm text-red-700">
          {error}
        </span>
      )}
    </span>
  );
}

export function TestConnectionButton({ endpointId, pinned, canPin }: { endpointId: number; pinned: boolean; canPin: boolean }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [result, setResult] = useState<ConnectionTestResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pinnedNow, setPinnedNow] = useState(false);
  // Pinning changes where the stored secret may be sent: it is asked for again (issue 17).
  const [pinning, setPinning] = useState(false);
  const [secret, setSecret] = useState("");
  const [secretError, setSecretError] = useState<string | null>(null);
  return (
    <div className="relative">
      <Button
        disabled={pending}
        onClick={() =>
          start(async () => {
            setPinnedNow(false);
            const res = await testConnectionAction(endpointId);
            if (res.ok) {
              setResult(res.data);
              setError(null);
            } else setError(res.error);
          })
        }
      >
        {pending ? "Testing…" : "Test connection"}
      </Button>
      {(result || error) && (
        <div role="status" data-testid="connection-result" className="absolute right-0 z-10 mt-2 w-[28rem] max-w-[90vw] rounded-lg border border-slate-200 bg-white p-4 text-sm shadow-lg">
          {error ? (
            <p className="text-red-700">{error}</p>
          ) : result ? (
            <dl className="space-y-1.5">
              <div className="flex gap-2">
                <dt className="w-24 shrink-0 text-slate-500">Result</dt>
                <dd data-testid="connection-outcome">
                  {result.ok ? <Badge tone="green">connected</Badge> : <Badge tone="red">{STAGE_TEXT[result.failed_stage ?? "api"]}</Badge>}
                </dd>
              </div>
              <div className="flex gap-2">
                <dt className="w-24 text-slate-500">PDM version</dt>
                <dd>{result.version ?? "—"}</dd>
              </div>
              <div className="flex gap-2">
                <dt className="w-24 shrink-0 text-slate-500">Fingerprint</dt>
                <dd className="break-all font-mono text-xs">
                  {result.fingerprint ?? "—"}
                  {result.fingerprint_matches === true && <Badge tone="green"> matches the pin</Badge>}
                  {result.fingerprint_matches === false && <Badge tone="red"> differs from the pin</Badge>}
                </dd>
              </div>
              <div className="flex gap-2">
                <dt className="w-24 text-slate-500">Latency</dt>
                <dd>{result.latency_ms === null ? "—" : `${result.latency_ms} ms`}</dd>
              </div>
              {result.error && (
                <div className="flex gap-2">
                  <dt className="w-24 shrink-0 text-slate-500">Error</dt>
                  <dd className="text-red-700" data-testid="connection-error">
                    {result.error}
                  </dd>
                </div>
              )}
              {canPin && !pinned && result.fingerprint && !pinnedNow && !pinning && (
                <Button variant="primary" className="mt-2" onClick={() => setPinning(true)}>
                  Pin this fingerprint
                </Button>
              )}
              {canPin && !pinned && result.fingerprint && !pinnedNow && pinning && (
                <form
                  className="mt-2 space-y-1.5"
                  onSubmit={(e) => {
                    e.preventDefault();
                    start(async () => {
                      const res = await pinFingerprintAction(endpointId, result.fingerprint!, secret);
                      if (res.ok) {
                        setPinnedNow(true);
                        setPinning(false);
                        setSecret("");
                        router.refresh();
                      } else setSecretError(res.fields?.token_secret?.join(" ") ?? res.error);
                    });
                  }}
                >
                  <label htmlFor="pin-token-secret" className="block text-slate-600">
                    API token secret (needed to change where it is sent)
                  </label>
                  <input
                    id="pin-token-secret"
                    type="password"
                    autoComplete="off"
                    value={secret}
                    onChange={(e) => setSecret(e.target.value)}
                    aria-invalid={secretError ? true : undefined}
                    aria-describedby={secretError ? "pin-token-secret-error" : undefined}
                    className="block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
                  />
                  {secretError && (
                    <p id="pin-token-secret-error" role="alert" className="text-red-700">
                      {secretError}
                    </p>
                  )}
                  <Button type="submit" variant="primary" disabled={pending}>
                    Pin
                  </Button>
                </form>
              )}
              {pinnedNow && <p className="text-emerald-700">Pinned: connections now require this certificate.</p>}
            </dl>
          ) : null}
          <button type="button" onClick={() => (setResult(null), setError(null))} className="absolute top-2 right-3 text-slate-400 hover:text-slate-700" aria-label="Close">
            ×
          </button>
        </div>
      )}
    </div>
  );
}
