import path from "node:path";
import { Pool } from "undici";
import { spawnServerScript } from "@/sim/process";

/**
 * `calls` remote-version calls from a bare undici Pool to a bare HTTPS server with the
 * simulator's clock (./server.ts), in a process of its own: what this machine's TLS, sockets and
 * event loops cost at this latency and concurrency with none of our code. Printed beside the
 * figures, never judged.
 */
export async function transportFloor(calls: number, concurrency: number, latencyMs: number): Promise<number> {
  const { child, info } = await spawnServerScript(path.join(__dirname, "server.ts"), [String(latencyMs)]);
  const exited = new Promise((r) => child.once("exit", r));
  try {
    const { port } = info as { port: number };
    const pool = new Pool(`https://127.0.0.1:${port}`, { connections: concurrency, connect: { rejectUnauthorized: false } });
    const run = async (n: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next++ < n) JSON.parse(await (await pool.request({ path: "/api2/json/remotes/remote/x/version", method: "GET" })).body.text());
        }),
      );
    };
    await run(200); // the same warm-up as the figure's
    const t0 = performance.now();
    await run(calls);
    const wall = performance.now() - t0;
    await pool.close();
    return wall;
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}
