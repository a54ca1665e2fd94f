// The machine's floor under the PDM client and sync figures (bench/floor/index.ts): the least an
// HTTPS server in Node can be — no routing, authentication, log or faults — answering every
// request after the same latency, through the simulator's clock, with the simulator's kind of
// certificate. What the PDM client and the simulator cost beyond this is ours; this much is the
// machine's.
import https from "node:https";
import { waitUntil } from "@/sim/clock";
import { makeCertificate } from "@/sim/tls";

async function main() {
  const latencyMs = Number(process.argv[2] ?? "5");
  const { cert, key } = await makeCertificate("floor.localdomain");
  const body = JSON.stringify({ data: { release: "8.3", repoid: "b1f9ab3ec9f2d4b0", version: "8.3.2" } });
  const headers = { "Content-Type": "application/json;charset=UTF-8", "Content-Length": Buffer.byteLength(body) };
  const server = https.createServer({ cert, key, keepAliveTimeout: 60_000 }, (req, res) => {
    const arrived = performance.now();
    req.resume();
    void waitUntil(arrived + latencyMs).then(() => {
      res.writeHead(200, headers);
      res.end(body);
    });
  });
  server.listen(0, "127.0.0.1", () => {
    const addr = server.address();
    console.log(JSON.stringify({ port: typeof addr === "object" && addr ? addr.port : 0 }));
  });
}

void main();
