import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { diff3, openGitStore, serializeObject, type JsonObject } from "@/lib/git";
import type { BenchModule, BenchResult } from "./types";

// Issue #6 numbers for the Git store: a 10,000-object inventory (10 endpoints × 1,000 remotes).

function inventory(version = (e: number, i: number) => `9.0.${(e + i) % 11}`): Map<string, JsonObject> {
  const m = new Map<string, JsonObject>();
  for (let e = 0; e < 10; e++) {
    m.set(`pdm-endpoints/pdm-${e}.json`, { id: e + 1, name: `pdm-${e}`, host: `pdm${e}.example.net`, port: 8443, version: "1.1.7", description: "" });
    for (let i = 0; i < 1000; i++) {
      m.set(`pdm-remotes/pdm-${e}/pve-${e}-${i}.json`, {
        id: e * 1000 + i + 1,
        pdm_endpoint: e + 1,
        name: `pve-${e}-${i}`,
        remote_type: i % 5 ? "pve" : "pbs",
        version: version(e, i),
        nodes: [
          { host: `10.${e}.${i >> 8}.${i & 255}`, port: 8006, fingerprint: `${(i % 256).toString(16).padStart(2, "0")}:aa:bb`.padEnd(95, ":00") },
          { host: `pve${i}-b.example.net`, port: null, fingerprint: null },
        ],
        web_url: `https://pve-${e}-${i}.example.net:8006/`,
        authid: "root@pam!pdm",
        linked_proxmox_endpoint: i % 3 ? e * 100 + i : null,
        linked_pbs_server: null,
        link_source: i % 3 ? "auto" : "none",
        description: "",
      });
    }
  }
  return m;
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}

export const gitBench: BenchModule = {
  group: "Git store (issue #6)",
  async run() {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nbpdm-gitbench-"));
    try {
      const objects = inventory();
      // Native git doing the same: write the files, add, commit.
      const work = path.join(tmp, "native");
      fs.mkdirSync(work);
      execFileSync("git", ["init", "-q", "-b", "main", work]);
      const [nativeMs] = await time(async () => {
        for (const [p, o] of objects) {
          fs.mkdirSync(path.dirname(path.join(work, p)), { recursive: true });
          fs.writeFileSync(path.join(work, p), serializeObject(o));
        }
        execFileSync("git", ["-C", work, "add", "-A"]);
        execFileSync("git", ["-C", work, "-c", "user.name=bench", "-c", "user.email=b@b", "commit", "-q", "-m", "snapshot"]);
      });
      const store = await openGitStore(path.join(tmp, "inventory.git"));
      const [firstMs] = await time(() => store.writeSnapshot({ ref: "main", objects, message: "first snapshot" }));
      const base = (await store.resolve("main"))!;
      // A run changing 1 % of the objects.
      let n = 0;
      const changed = new Map([...objects].map(([p, o]) => [p, n++ % 100 === 7 ? { ...o, version: "9.1.0" } : o]));
      const [onePctMs, one] = await time(() => store.writeSnapshot({ ref: "main", objects: changed, message: "1% changed" }));
      if (!one.changed || one.blobsWritten < 100) throw new Error(`unexpected snapshot: ${JSON.stringify(one)}`);
      // Two 10,000-object snapshots diverging from a base: the branch changes 10 %, main 1 %.
      await store.createBranch("sync-bench", base);
      let k = 0;
      const branchObjects = new Map([...objects].map(([p, o]) => [p, k++ % 10 === 3 ? { ...o, version: "9.2.0", description: "branch" } : o]));
      await store.writeSnapshot({ ref: "sync-bench", objects: branchObjects, message: "branch" });
      const [diffMs, diffs] = await time(() => diff3(store, { base, branch: "sync-bench", main: "main" }));
      if (diffs.length < 1000) throw new Error(`unexpected diff size ${diffs.length}`);
      const results: BenchResult[] = [
        {
          group: this.group,
          name: "first snapshot of 10,000 objects",
          value: firstMs,
          unit: "ms",
          target: 3 * nativeMs,
          kind: "max",
          note: `native git (write files, add -A, commit): ${nativeMs.toFixed(0)} ms; ours is ${(firstMs / nativeMs).toFixed(2)}×`,
        },
        { group: this.group, name: "snapshot of a run changing 1% of 10,000 objects", value: onePctMs, unit: "ms", target: 300, kind: "max" },
        { group: this.group, name: "three-way diff of two 10,000-object snapshots (10% / 1% changed)", value: diffMs, unit: "ms", target: 300, kind: "max", note: `${diffs.length} objects differ` },
      ];
      return results;
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
};
