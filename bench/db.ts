import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase, runMigrations, type DbHandle } from "@/db/client";
import type { NewPdmRemote } from "@/db/schema";
import { createContext, SYSTEM_ACTOR } from "@/lib/services/context";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";
import { pdmRemoteService } from "@/lib/services/pdm-remotes";
import { bulkCreateRemotes } from "@/lib/services/pdm-remotes/bulk";
import type { BenchModule, BenchResult } from "./types";
import { median, postgresBenchDatabase } from "./util";

// Issue #2 numbers: the sync's bulk insert path and the filtered remote list.

/** `n` remotes of one endpoint, as a PDM would report them (also used by the Git merge bench). */
export function remoteRows(endpointId: number, e: number, n: number): NewPdmRemote[] {
  return Array.from({ length: n }, (_, i) => {
    const pbs = i % 5 === 0;
    const fp = (k: number) => Array.from({ length: 32 }, (_, b) => ((e * 7 + i * 13 + k * 31 + b) % 256).toString(16).padStart(2, "0")).join(":");
    return {
      pdmEndpointId: endpointId,
      name: `${pbs ? "pbs" : "pve"}-${e}-${String(i).padStart(4, "0")}`,
      remoteType: pbs ? "pbs" : "pve",
      version: pbs ? "4.0" : `9.0.${i % 11}`,
      nodes: pbs
        ? [{ host: `pbs${i}.e${e}.example.net`, port: 8007, fingerprint: fp(0) }]
        : [
            { host: `10.${e}.${i >> 8}.${i & 255}`, port: 8006, fingerprint: fp(1) },
            { host: `pve${i}-b.e${e}.example.net`, port: null, fingerprint: fp(2) },
          ],
      webUrl: pbs ? null : `https://pve${i}.e${e}.example.net:8006/`,
      authid: "root@pam!pdm",
      status: "ok",
      lastSeenAt: new Date(),
      linkSource: "none",
    };
  });
}

async function seed(handle: DbHandle): Promise<{ ms: number; endpointIds: number[] }> {
  const ctx = createContext(handle.db, SYSTEM_ACTOR);
  const endpointIds: number[] = [];
  for (let e = 0; e < 10; e++) {
    const ep = await pdmEndpointService.create(ctx, { name: `bench-pdm-${e}`, host: `pdm${e}.example.net`, token_id: "root@pam!bench", token_secret: "bench-secret" });
    endpointIds.push(ep.id);
  }
  const rows = endpointIds.map((id, e) => remoteRows(id, e, 1000));
  const t0 = performance.now();
  // One transaction per endpoint, as the sync's reconcile does.
  for (const r of rows) await bulkCreateRemotes(ctx, r);
  return { ms: performance.now() - t0, endpointIds };
}

export const dbBench: BenchModule = {
  group: "database (issue #2)",
  async run() {
    const results: BenchResult[] = [];
    const pg = await postgresBenchDatabase();
    if (pg) {
      const handle = await openDatabase({ databaseUrl: pg.url });
      try {
        await runMigrations(handle);
        const { ms, endpointIds } = await seed(handle);
        results.push({ group: this.group, name: "bulk insert 10,000 remotes / 10 endpoints (PostgreSQL)", value: ms, unit: "ms", target: 1500, kind: "max" });
        const ctx = createContext(handle.db, SYSTEM_ACTOR);
        const input = { filters: { remote_type: ["pve"], pdm_endpoint_id: [String(endpointIds[3])] }, ordering: ["name"], limit: 50 };
        for (let i = 0; i < 30; i++) await pdmRemoteService.list(ctx, input);
        const times: number[] = [];
        for (let i = 0; i < 300; i++) {
          const t = performance.now();
          const page = await pdmRemoteService.list(ctx, input);
          times.push(performance.now() - t);
          if (page.results.length !== 50) throw new Error("unexpected page size");
        }
        results.push({
          group: this.group,
          name: "list 50 remotes by type+endpoint, by name, of 10,000 (PostgreSQL, median)",
          value: median(times),
          unit: "ms",
          target: 5,
          kind: "max",
          note: "service call incl. count, 300 runs",
        });
      } finally {
        await handle.close();
        await pg.drop();
      }
    } else {
      console.warn("PostgreSQL not reachable: PostgreSQL figures skipped.");
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nbpdm-bench-"));
    const lite = await openDatabase({ pgliteDir: path.join(dir, "pglite") });
    try {
      await runMigrations(lite);
      const { ms } = await seed(lite);
      results.push({ group: this.group, name: "bulk insert 10,000 remotes / 10 endpoints (PGlite on disk)", value: ms, unit: "ms", target: 5000, kind: "max" });
    } finally {
      await lite.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return results;
  },
};
