// `npm run pdm-sim -- --remotes 200 [--port 8443] [--latency 5] [--seed 1] [--pbs-share 0.2]
//   [--nodes-per-cluster 1-5] [--fingerprint-share 0.85] [--auth-delay 3000] [--forbidden-delay 500]
//   [--token-secret <s>] [--control-key <k>] [--json]`
// Runs the PDM simulator until interrupted. It prints its URL, certificate fingerprint, the API
// token to use (a simulator's throwaway credentials) and how to reach the control interface.
// More tokens, their ACLs, remote states and faults are set through that interface (/__sim/…).
import { parseArgs } from "node:util";
import { startPdmSimulator, type RunningSimulator } from "../sim/server";

/** "3" or "1-16" → [min, max]. */
function nodeRange(v: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(v.trim());
  const min = Number(m?.[1]);
  const max = Number(m?.[2] ?? m?.[1]);
  if (!m || min < 1 || max < min) throw new Error(`--nodes-per-cluster: expected N or MIN-MAX with MIN ≥ 1, got "${v}"`);
  return [min, max];
}

async function main() {
  const { values } = parseArgs({
    options: {
      remotes: { type: "string", default: "50" },
      port: { type: "string", default: "8443" },
      host: { type: "string", default: "127.0.0.1" },
      latency: { type: "string", default: "0" },
      seed: { type: "string", default: "1" },
      "pbs-share": { type: "string", default: "0.2" },
      "nodes-per-cluster": { type: "string", default: "1-5" },
      "fingerprint-share": { type: "string", default: "0.85" },
      "auth-delay": { type: "string", default: "3000" },
      "forbidden-delay": { type: "string", default: "500" },
      "token-id": { type: "string" },
      "token-secret": { type: "string" },
      "control-key": { type: "string" },
      prefix: { type: "string" },
      json: { type: "boolean", default: false },
      instances: { type: "string", default: "1" },
    },
  });
  // Several simulated PDMs (one per port) share this process: benches with many endpoints then
  // cost one process, not one per endpoint.
  const count = Math.max(1, Number(values.instances));
  const nodesPerCluster = nodeRange(values["nodes-per-cluster"]);
  const sims: RunningSimulator[] = [];
  for (let i = 0; i < count; i++) {
    sims.push(
      await startPdmSimulator({
        remotes: Number(values.remotes),
        port: count > 1 && Number(values.port) !== 0 ? Number(values.port) + i : Number(values.port),
        host: values.host,
        latencyMs: Number(values.latency),
        seed: Number(values.seed) + i,
        pbsShare: Number(values["pbs-share"]),
        nodesPerCluster,
        fingerprintShare: Number(values["fingerprint-share"]),
        authFailureDelayMs: Number(values["auth-delay"]),
        forbiddenDelayMs: Number(values["forbidden-delay"]),
        tokenId: values["token-id"],
        tokenSecret: values["token-secret"],
        controlKey: values["control-key"],
        prefix: count > 1 ? `${values.prefix ?? "pdm"}${i}` : values.prefix,
      }),
    );
  }
  const infos = sims.map((sim) => ({
    url: sim.url,
    host: sim.host,
    port: sim.port,
    fingerprint: sim.fingerprint,
    tokenId: sim.tokenId,
    tokenSecret: sim.tokenSecret,
    controlKey: sim.controlKey,
    remotes: sim.control.remotes().length,
  }));
  if (values.json) {
    console.log(JSON.stringify(count > 1 ? infos : infos[0]));
  } else {
    for (const [i, sim] of sims.entries()) {
      console.log(
        [
          `PDM simulator${count > 1 ? ` #${i + 1}` : ""} listening on ${sim.url} (${infos[i]!.remotes} remotes)`,
          `  certificate fingerprint: ${sim.fingerprint}`,
          `  API token id:            ${sim.tokenId}`,
          `  API token secret:        ${sim.tokenSecret}   (simulator credentials, not a real PDM's)`,
          `  control interface:       ${sim.url}/__sim/state  (header X-Sim-Control: ${sim.controlKey})`,
        ].join("\n"),
      );
    }
    console.log("Press Ctrl+C to stop.");
  }
  const stop = () => void Promise.all(sims.map((s) => s.close())).then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
