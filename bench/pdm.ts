import { createPdmClient, createRequestLimiter } from "@/lib/pdm";
import { spawnSimulator } from "@/sim/process";
import { transportFloor } from "./floor";
import type { BenchModule, BenchResult } from "./types";
import { median, simLatencyNote } from "./util";

// Issue #4 numbers, against the simulator in a process of its own (as PDM would be).

export const pdmBench: BenchModule = {
  group: "PDM client (issue #4)",
  async run() {
    const results: BenchResult[] = [];
    const sim = await spawnSimulator(["--remotes", "5000", "--latency", "5", "--auth-delay", "0", "--seed", "4"]);
    try {
      const concurrency = 8;
      const client = createPdmClient({
        host: sim.host,
        port: sim.port,
        tokenId: sim.tokenId,
        tokenSecret: sim.tokenSecret,
        fingerprint: sim.fingerprint,
        verifySsl: true,
        timeoutSeconds: 30,
        limiter: createRequestLimiter(concurrency),
      });
      const ids = (await client.listRemotes()).map((r) => r.name);
      await client.remoteVersions(ids.slice(0, 200)); // warm-up: JIT and keep-alive sockets
      const { connections: connectionsBefore, cpuMs: cpuBefore } = await sim.stats();
      await sim.control("POST", "reset-stats");
      const rss0 = process.memoryUsage.rss();
      let peakRss = rss0;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20);
      const t0 = performance.now();
      const versions = await client.remoteVersions(ids);
      const wall = performance.now() - t0;
      clearInterval(sampler);
      const stats = await sim.stats();
      if ([...versions.values()].some((v) => !v.ok)) throw new Error("some remoteVersion calls failed");
      const ideal = (ids.length / concurrency) * 5;
      const floor = await transportFloor(ids.length, concurrency, 5);
      results.push(
        {
          group: this.group,
          name: `5,000 remoteVersion calls at 5 ms latency, concurrency ${concurrency}: wall time`,
          value: wall,
          unit: "ms",
          target: 1.2 * ideal,
          kind: "max",
          note: `ideal ${ideal.toFixed(0)} ms; ${(wall / ideal).toFixed(2)}× ideal; simulator peak in flight ${stats.peakInFlight}, CPU ${((stats.cpuMs - cpuBefore) * 1000 / ids.length).toFixed(0)} µs per call; ${simLatencyNote([stats], 5, (l) => 1.2 * (ids.length / concurrency) * l)}; the machine's floor (a bare undici Pool and a bare HTTPS server on the same clock): ${floor.toFixed(0)} ms, ${(floor / ideal).toFixed(2)}× ideal`,
        },
        { group: this.group, name: "TLS connections opened by the client (whole run, warm-up included)", value: connectionsBefore + stats.connections, unit: "count", target: concurrency, kind: "max" },
        { group: this.group, name: "client process memory (peak RSS)", value: peakRss / 1e6, unit: "MB", target: 200, kind: "max" },
      );
      await sim.control("POST", "latency", { ms: 0 });
      const times: number[] = [];
      for (let i = 0; i < 9; i++) {
        const t = performance.now();
        const list = await client.listRemotes();
        times.push(performance.now() - t);
        if (list.length !== 5000) throw new Error("unexpected remote count");
      }
      results.push({
        group: this.group,
        name: "listRemotes() of 5,000 remotes: fetched, validated and parsed (median of 9)",
        value: median(times.slice(1)),
        unit: "ms",
        target: 150,
        kind: "max",
      });
      await client.close();
    } finally {
      await sim.stop();
    }
    return results;
  },
};
