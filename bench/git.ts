import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { and, eq, inArray, sql } from "drizzle-orm";
import { openDatabase, runMigrations } from "@/db/client";
import { objectChanges, pdmRemotes } from "@/db/schema";
import { diff3, openGitStore, serializeObject, type JsonObject } from "@/lib/git";
import { commitToBranch, createRunBranch, mergeBranch } from "@/lib/services/branches";
import { commitInventoryToMain } from "@/lib/services/branches/main-line";
import { inventoryStore, remoteObject, remotePath, withGitLock } from "@/lib/services/branches/snapshot";
import { createContext, SYSTEM_ACTOR } from "@/lib/services/context";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";
import { bulkCreateRemotes } from "@/lib/services/pdm-remotes/bulk";
import { createSyncRun } from "@/lib/services/sync-runs";
import { runContext } from "@/lib/sync/run";
import { remoteRows } from "./db";
import type { BenchModule, BenchResult } from "./types";
import { postgresBenchDatabase, withDataDir } from "./util";

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

async function storeFigures(group: string, tmp: string): Promise<BenchResult[]> {
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
  const store = await inventoryStore();
  const [firstMs] = await time(() => store.writeSnapshot({ ref: "main", objects, message: "first snapshot" }));
  const base = (await store.resolve("main"))!;
  // A run changing 1 % of the objects.
  let n = 0;
  const changed = new Map([...objects].map(([p, o]) => [p, n++ % 100 === 7 ? { ...o, version: "9.1.0" } : o]));
  const [onePctMs, one] = await time(() => store.writeSnapshot({ ref: "main", objects: changed, message: "1% changed" }));
  if (!one.changed || one.blobsWritten < 100) throw new Error(`unexpected snapshot: ${JSON.stringify(one)}`);
  // The same 1 % as a sync run with branching writes it: per endpoint, one commitToBranch with
  // every remote of that endpoint put (changed or not) and the ones it no longer has removed
  // (lib/sync/workflow.ts branchEndpoint) — the incremental path, not a rebuild from the full map.
  await store.createBranch("sync-1pct", base);
  const perEndpoint = new Map<number, Map<string, JsonObject>>();
  for (const [p, o] of changed) {
    const e = Number(/^pdm-(?:endpoints|remotes)\/pdm-(\d+)/.exec(p)![1]);
    if (!perEndpoint.has(e)) perEndpoint.set(e, new Map());
    perEndpoint.get(e)!.set(p, o);
  }
  const [branchOnePctMs] = await time(async () => {
    for (const [e, put] of perEndpoint) await commitToBranch("sync-1pct", { put, removeUnder: `pdm-remotes/pdm-${e}/`, message: `pdm-${e}: 10 updated` });
  });
  const onBranch = await store.listFiles("sync-1pct");
  const onMain = await store.listFiles("main");
  if (onBranch.size !== onMain.size || [...onMain].some(([p, oid]) => onBranch.get(p) !== oid)) throw new Error("the branch commits did not produce main's 1% snapshot");
  // The store remembers what it read and wrote (trees, each path's last object): the first
  // snapshot after the app starts has none of that. A second store on the same repository.
  const cold = await openGitStore(store.dir);
  await cold.createBranch("cold-1pct", "main");
  let c = 0;
  const coldChanged = new Map([...changed].map(([p, o]) => [p, c++ % 100 === 42 ? { ...o, version: "9.1.1" } : o]));
  const [coldOnePctMs, coldOne] = await time(() => cold.writeSnapshot({ ref: "cold-1pct", objects: coldChanged, message: "1% changed" }));
  if (!coldOne.changed || coldOne.modified.length !== 100) throw new Error(`unexpected cold snapshot: ${coldOne.modified.length} modified`);
  // Two 10,000-object snapshots diverging from a base: the branch changes 10 %, main 1 %.
  await store.createBranch("sync-bench", base);
  let k = 0;
  const branchObjects = new Map([...objects].map(([p, o]) => [p, k++ % 10 === 3 ? { ...o, version: "9.2.0", description: "branch" } : o]));
  await store.writeSnapshot({ ref: "sync-bench", objects: branchObjects, message: "branch" });
  const [diffMs, diffs] = await time(() => diff3(store, { base, branch: "sync-bench", main: "main" }));
  if (diffs.length < 1000) throw new Error(`unexpected diff size ${diffs.length}`);
  const results: BenchResult[] = [
    {
      group,
      name: "first snapshot of 10,000 objects",
      value: firstMs,
      unit: "ms",
      target: 3 * nativeMs,
      kind: "max",
      note: `native git (write files, add -A, commit): ${nativeMs.toFixed(0)} ms; ours is ${(firstMs / nativeMs).toFixed(2)}×`,
    },
    { group, name: "snapshot of a run changing 1% of 10,000 objects", value: onePctMs, unit: "ms", target: 300, kind: "max", note: "writeSnapshot of the full map (commitInventoryToMain's path, database read excluded)" },
    {
      group,
      name: "snapshot of a run changing 1% of 10,000 objects, first after the app starts",
      value: coldOnePctMs,
      unit: "ms",
      target: 300,
      kind: "max",
      note: "as above, from a store that has read and written nothing yet",
    },
    {
      group,
      name: "snapshot of a run changing 1% of 10,000 objects, committed to its branch as the sync does",
      value: branchOnePctMs,
      unit: "ms",
      target: 300,
      kind: "max",
      note: "10 commitToBranch calls (one per endpoint: 1,000 puts + removeUnder)",
    },
    { group, name: "three-way diff of two 10,000-object snapshots (10% / 1% changed)", value: diffMs, unit: "ms", target: 300, kind: "max", note: `${diffs.length} objects differ` },
  ];
  return results;
}

export const gitBench: BenchModule = {
  group: "Git store (issue #6)",
  async run() {
    // The store is the app's own (DATA_DIR/inventory.git), so the sync's branch commit is timed through commitToBranch.
    return withDataDir("nbpdm-gitbench-", (tmp) => storeFigures(this.group, tmp));
  },
};

// The merge figure: a sync run's branch changing 1,000 of 10,000 remotes, merged into main and
// applied to a fresh PostgreSQL database — mergeBranch end to end, as the sync calls it.

const MERGE_ENDPOINTS = 10;
const MERGE_REMOTES = 1000;
const MERGE_CHANGED_EVERY = 10; // 1,000 of 10,000

async function mergeFigures(group: string, url: string): Promise<BenchResult[]> {
  const handle = await openDatabase({ databaseUrl: url });
  try {
    await runMigrations(handle);
    const ctx = createContext(handle.db, SYSTEM_ACTOR);
    const endpoints: { id: number; name: string }[] = [];
    for (let e = 0; e < MERGE_ENDPOINTS; e++) {
      const ep = await pdmEndpointService.create(ctx, { name: `bench-pdm-${e}`, host: `pdm${e}.example.net`, token_id: "root@pam!bench", token_secret: "bench-secret" });
      endpoints.push({ id: ep.id, name: ep.name });
    }
    for (const [e, ep] of endpoints.entries()) await bulkCreateRemotes(ctx, remoteRows(ep.id, e, MERGE_REMOTES));
    await withGitLock(() => commitInventoryToMain(ctx, "Initial inventory"));
    const run = await createSyncRun(ctx, {}, "api");
    const runCtx = runContext(handle.db, run.id);
    const { name: branch } = await createRunBranch(runCtx, run.id, "bench-sync");

    // The branch: every 10th remote gets a new version and description, one commit per endpoint.
    const rows = await handle.db.select().from(pdmRemotes).orderBy(pdmRemotes.id);
    const names = new Map(endpoints.map((e) => [e.id, e.name]));
    const expected = new Map<number, { version: string; description: string }>();
    const put = new Map<number, Map<string, JsonObject>>();
    rows.forEach((r, i) => {
      if (i % MERGE_CHANGED_EVERY !== 3) return;
      const next = { version: `9.9.${r.id % 7}`, description: `merged change of remote ${r.id}` };
      expected.set(r.id, next);
      if (!put.has(r.pdmEndpointId)) put.set(r.pdmEndpointId, new Map());
      put.get(r.pdmEndpointId)!.set(remotePath(names.get(r.pdmEndpointId)!, r.name), remoteObject({ ...r, ...next }));
    });
    if (expected.size !== 1000) throw new Error(`expected 1,000 changed remotes, built ${expected.size}`);
    for (const [id, p] of put) await commitToBranch(branch, { put: p, message: `${names.get(id)}: 0 created, ${p.size} updated, 0 deleted` });
    const store = await inventoryStore();
    const branchHead = (await store.resolve(branch))!;
    const mainBefore = (await store.resolve("main"))!;

    const [mergeMs, outcome] = await time(() => mergeBranch(runCtx, branch, "abort"));

    // It must have done the work: merged, the database holds the branch's values (on those 1,000
    // remotes only), one change-log entry per changed remote, and main is a two-parent merge
    // commit of main and the branch.
    if (outcome.outcome !== "merged" || outcome.applied.updated !== 1000 || outcome.conflicts || outcome.collisions) throw new Error(`unexpected merge outcome ${JSON.stringify(outcome)}`);
    const after = await handle.db
      .select({ id: pdmRemotes.id, version: pdmRemotes.version, description: pdmRemotes.description })
      .from(pdmRemotes)
      .where(inArray(pdmRemotes.id, [...expected.keys()]));
    const wrong = after.filter((r) => r.version !== expected.get(r.id)!.version || r.description !== expected.get(r.id)!.description);
    if (after.length !== 1000 || wrong.length) throw new Error(`database after the merge: ${after.length} rows found, ${wrong.length} without the branch's values`);
    const [{ carrying }] = (await handle.db
      .select({ carrying: sql<number>`count(*)::int` })
      .from(pdmRemotes)
      .where(sql`${pdmRemotes.description} like 'merged change%'`)) as [{ carrying: number }];
    if (carrying !== 1000) throw new Error(`${carrying} remotes carry a merged description, expected 1,000`);
    const logged = await handle.db
      .select({ id: objectChanges.changedObjectId, n: sql<number>`count(*)::int` })
      .from(objectChanges)
      .where(and(eq(objectChanges.syncRunId, run.id), eq(objectChanges.action, "update"), eq(objectChanges.changedObjectType, "netbox_pdm.pdmremote")))
      .groupBy(objectChanges.changedObjectId);
    if (logged.length !== 1000 || logged.some((l) => l.n !== 1 || !expected.has(l.id))) throw new Error(`change log: ${logged.length} remotes logged, expected exactly one entry for each of 1,000`);
    const [merge] = await store.log("main", 1);
    if (!merge || merge.parents.length !== 2 || merge.parents[1] !== branchHead || merge.parents[0] !== mainBefore) {
      throw new Error(`main's head is not a merge of main and ${branch}: ${JSON.stringify(merge)}`);
    }
    // And main's tree is the database's inventory, all 10,000 objects of it: bringing main up to
    // date finds nothing to commit.
    const recheck = await withGitLock(() => commitInventoryToMain(ctx, "Bench check"));
    if (recheck.changed) throw new Error(`main and the database differ after the merge: ${recheck.summary}`);
    return [
      {
        group,
        name: "merge of a branch changing 1,000 of 10,000 remotes, database apply included (PostgreSQL)",
        value: mergeMs,
        unit: "ms",
        target: 2000,
        kind: "max",
        note: "mergeBranch(…, \"abort\") end to end: main brought up to date, three-way diff, merge commit, 1,000 updates + change log, main advanced",
      },
    ];
  } finally {
    await handle.close();
  }
}

export const gitMergeBench: BenchModule = {
  group: "Git merge into the database (issue #6)",
  async run() {
    const pg = await postgresBenchDatabase();
    if (!pg) {
      console.warn("PostgreSQL not reachable: the merge figure skipped.");
      return [];
    }
    try {
      return await withDataDir("nbpdm-mergebench-", () => mergeFigures(this.group, pg.url));
    } finally {
      await pg.drop();
    }
  },
};
