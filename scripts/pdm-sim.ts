// `npm run pdm-sim -- --remotes 200 [--port 8443] [--latency 5] [--seed 1] [--pbs-share 0.2]
//   [--auth-delay 3000] [--token-secret <s>] [--control-key <k>] [--json]`
// Runs the PDM simulator until interrupted. It prints its URL, certificate fingerprint, the API
// token to use (a simulator's throwaway credentials) and how to reach the control interface.
import { parseArgs } from "node:util";
import { startPdmSimulator } from "../sim/server";

async function main() {
  const { values } = parseArgs({
    options: {
      remotes: { type: "string", default: "50" },
      port: { type: "string", default: "8443" },
      host: { type: "string", default: "127.0.0.1" },
      latency: { type: "string", default: "0" },
      seed: { type: "string", default: "1" },
      "pbs-share": { type: "string", default: "0.2" },
      "auth-delay": { type: "string", default: "3000" },
      "token-id": { type: "string" },
      "token-secret": { type: "string" },
      "control-key": { type: "string" },
      prefix: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const sim = await startPdmSimulator({
    remotes: Number(values.remotes),
    port: Number(values.port),
    host: values.host,
    latencyMs: Number(values.latency),
    seed: Number(values.seed),
    pbsShare: Number(values["pbs-share"]),
    authFailureDelayMs: Number(values["auth-delay"]),
    tokenId: values["token-id"],
    tokenSecret: values["token-secret"],
    controlKey: values["control-key"],
    prefix: values.prefix,
  });
  const info = {
    url: sim.url,
    host: sim.host,
    port: sim.port,
    fingerprint: sim.fingerprint,
    tokenId: sim.tokenId,
    tokenSecret: sim.tokenSecret,
    controlKey: sim.controlKey,
    remotes: sim.control.remotes().length,
  };
  if (values.json) {
    console.log(JSON.stringify(info));
  } else {
    console.log(
      [
        `PDM simulator listening on ${sim.url} (${info.remotes} remotes)`,
        `  certificate fingerprint: ${sim.fingerprint}`,
        `  API token id:            ${sim.tokenId}`,
        `  API token secret:        ${sim.tokenSecret}   (simulator credentials, not a real PDM's)`,
        `  control interface:       ${sim.url}/__sim/state  (header X-Sim-Control: ${sim.controlKey})`,
        `Press Ctrl+C to stop.`,
      ].join("\n"),
    );
  }
  const stop = () => void sim.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
