import { spawn } from "node:child_process";
import path from "node:path";
import { Pool } from "undici";

/**
 * `calls` remote-version calls from a bare undici Pool to a bare HTTPS server with the
 * simulator's clock (./server.ts), in a process of its own: what this machine's TLS, sockets and event
 * loops cost at this latency and concurrency with none of our code. Printed beside the figure.
 */
export async function transportFloor(calls: number, concurrency: number, latencyMs: number): Promise<number> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "server.ts"), String(latencyMs)], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise((r) => child.once("exit", r));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let buf = "";
      child.stdout!.on("data", (c: Buffer) => {
        buf += c.toString();
        const line = buf.split("\n").find((l) => l.startsWith("{"));
        if (line) resolve((JSON.parse(line) as { port: number }).port);
      });
      child.once("exit", (code) => reject(new Error(`floor server exited with code ${code}`)));
    });
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
