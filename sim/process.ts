import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { Agent, request } from "undici";
import type { SimStats } from "./server";

// The simulator in a process of its own (as a real PDM would be), for benches, e2e and the demo.

export interface SimProcess {
  url: string;
  host: string;
  port: number;
  fingerprint: string;
  tokenId: string;
  tokenSecret: string;
  controlKey: string;
  /** Calls the control interface (/__sim/…). */
  control(method: string, route: string, body?: unknown): Promise<unknown>;
  stats(): Promise<SimStats>;
  stop(): Promise<void>;
}

export async function spawnSimulator(args: string[] = []): Promise<SimProcess> {
  const [one] = await spawnSimulators(1, args);
  return one!;
}

/**
 * Runs a TypeScript server script in a node process of its own (tsx's loader in that process, so
 * stopping it stops the script itself) and resolves with the first JSON line it prints: its
 * address and whatever else a caller needs to reach it.
 */
export async function spawnServerScript(file: string, args: string[] = []): Promise<{ child: ChildProcess; info: unknown }> {
  const child = spawn(process.execPath, ["--import", "tsx", file, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const info = await new Promise<unknown>((resolve, reject) => {
    let buf = "";
    child.stdout!.on("data", (c: Buffer) => {
      buf += c.toString();
      const line = buf.split("\n").find((l) => l.startsWith("{") || l.startsWith("["));
      if (line) resolve(JSON.parse(line));
    });
    child.once("exit", (code) => reject(new Error(`${path.basename(file)} exited with code ${code}`)));
  });
  return { child, info };
}

/** `count` simulated PDMs served by one child process (each its own port, data and certificate). */
export async function spawnSimulators(count: number, args: string[] = []): Promise<SimProcess[]> {
  const script = path.join(__dirname, "..", "scripts", "pdm-sim.ts");
  const { child, info: parsed } = await spawnServerScript(script, ["--json", "--port", "0", "--instances", String(count), ...args]);
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
  let stopped: Promise<void> | null = null;
  const stopAll = () =>
    (stopped ??= (async () => {
      await dispatcher.close();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    })());
  const list = (Array.isArray(parsed) ? parsed : [parsed]) as Record<string, string | number>[];
  return list.map((info) => instance(info, dispatcher, stopAll));
}

function instance(info: Record<string, string | number>, dispatcher: Agent, stopAll: () => Promise<void>): SimProcess {
  const url = String(info.url);
  const controlKey = String(info.controlKey);
  async function control(method: string, route: string, body?: unknown): Promise<unknown> {
    const res = await request(`${url}/__sim/${route}`, {
      dispatcher,
      method: method as "GET",
      headers: { "x-sim-control": controlKey, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.body.text();
    return text ? (JSON.parse(text) as unknown) : null;
  }
  return {
    url,
    host: String(info.host),
    port: Number(info.port),
    fingerprint: String(info.fingerprint),
    tokenId: String(info.tokenId),
    tokenSecret: String(info.tokenSecret),
    controlKey,
    control,
    async stats() {
      return ((await control("GET", "state")) as { stats: SimStats }).stats;
    },
    stop: stopAll,
  };
}
