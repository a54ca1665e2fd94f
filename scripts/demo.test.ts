import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { startService, stopService } from "./demo";

// `npm run demo` must leave nothing running when it stops: its children run in process groups of
// their own and stopping one stops everything it started (npx/sh wrappers used to leave
// next-server behind).

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function startWrapped(script: string) {
  // A wrapper (like npx → sh → next-server) whose grandchild prints its pid.
  const child = startService("sh", ["-c", `"${process.execPath}" -e '${script}' & echo $!; wait`], { stdio: ["ignore", "pipe", "ignore"] });
  const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
  return { child, grandchild: Number(chunk.toString().trim()) };
}

async function gone(pid: number, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

describe("demo child processes", () => {
  it("stopping a service stops its grandchildren too", async () => {
    const { child, grandchild } = await startWrapped("setInterval(() => {}, 1000)");
    expect(alive(grandchild)).toBe(true);
    await stopService(child);
    expect(await gone(grandchild)).toBe(true);
    expect(await gone(child.pid!)).toBe(true);
  });

  it("kills what ignores SIGTERM after the grace period", async () => {
    const { child, grandchild } = await startWrapped('process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)');
    await new Promise((r) => setTimeout(r, 300)); // let the handler install
    const t0 = Date.now();
    await stopService(child, 500);
    expect(await gone(grandchild)).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
  });

  it("stopping an already finished service is a no-op", async () => {
    const child = startService(process.execPath, ["-e", "0"], { stdio: "ignore" });
    await once(child, "exit");
    await expect(stopService(child)).resolves.toBeUndefined();
  });
});
