import { asc, getTableColumns } from "drizzle-orm";
import { expect } from "vitest";
import { objectChanges, pdmRemotes } from "@/db/schema";
import { commitInventoryToMain, objectHistory } from "@/lib/services/branches/main-line";
import { inventoryObjects, inventoryStore, remotePath, withGitLock } from "@/lib/services/branches/snapshot";
import { VOLATILE_FIELDS } from "@/lib/services/changelog/record";
import type { BaseRecord, CrudService } from "@/lib/services/crud";
import { siteService, tenantService } from "@/lib/services/organization";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";
import { pdmRemoteService } from "@/lib/services/pdm-remotes";
import { pbsServerService, proxmoxEndpointService } from "@/lib/services/proxmox";
import { readSettingsForSystem, settingsSnapshot } from "@/lib/services/settings";
import { loadTokens, tokenSnapshot } from "@/lib/services/tokens";
import { userService } from "@/lib/services/users";
import { pdmEndpoints } from "@/db/schema";
import { apiTokens, pdmSettings } from "@/db/schema";
import { ctxFor, systemCtx, type TestDb } from "./db";

// The record's invariants (issue 16), checked after every scenario of the sync suites:
// - replay: each object's change-log entries, in order, form one chain (create → updates →
//   delete; every entry's "before" is the previous entry's "after") that ends in exactly the
//   object as the database holds it now;
// - Git agrees: main, brought up to date, equals the database's inventory file for file, and every
//   remote's history walk from main reaches its creation, across renames.

type Snapshot = Record<string, unknown>;

const SERVICES: CrudService<BaseRecord>[] = [
  pdmEndpointService,
  pdmRemoteService,
  siteService,
  tenantService,
  proxmoxEndpointService,
  pbsServerService,
  userService,
] as unknown as CrudService<BaseRecord>[];

/** Every object the database holds now, by "type:id", as its change-log snapshot. */
async function currentSnapshots(db: TestDb): Promise<Map<string, Snapshot>> {
  const out = new Map<string, Snapshot>();
  for (const svc of SERVICES) {
    const def = svc.definition;
    const ids = (await db.handle.db.select({ id: def.idColumn }).from(def.table)).map((r) => r.id as number);
    for (const rec of await svc.load(db.handle.db, ids)) out.set(`${def.objectType}:${rec.id}`, def.snapshot(rec));
  }
  const tokens = (await db.handle.db.select({ id: apiTokens.id }).from(apiTokens)).map((r) => r.id);
  for (const t of await loadTokens(db.handle.db, tokens)) out.set(`users.token:${t.id}`, tokenSnapshot(t));
  if ((await db.handle.db.select({ id: pdmSettings.id }).from(pdmSettings)).length)
    out.set("netbox_pdm.pdmsettings:1", settingsSnapshot(await readSettingsForSystem(systemCtx(db))));
  return out;
}

/** Compared as the change log stores them (JSON), without the fields that move unrecorded. */
function comparable(s: Snapshot | null | undefined): Snapshot | null {
  if (!s) return null;
  const out: Snapshot = {};
  for (const [k, v] of Object.entries(JSON.parse(JSON.stringify(s)) as Snapshot)) if (!VOLATILE_FIELDS.has(k)) out[k] = v;
  return out;
}

/** Replay: the change log, object by object, ends in the database as it is. */
export async function expectChangeLogReplays(db: TestDb): Promise<void> {
  const entries = await db.handle.db.select().from(objectChanges).orderBy(asc(objectChanges.id));
  const chains = new Map<string, typeof entries>();
  for (const e of entries) {
    const key = `${e.changedObjectType}:${e.changedObjectId}`;
    chains.set(key, [...(chains.get(key) ?? []), e]);
  }
  const current = await currentSnapshots(db);
  for (const [key, chain] of chains) {
    // The settings singleton is created on first read, as its defaults: its chain starts there.
    let state: Snapshot | null = key === "netbox_pdm.pdmsettings:1" ? comparable(chain[0]!.prechangeData) : null;
    for (const [i, e] of chain.entries()) {
      const where = `${key}, entry ${i + 1} of ${chain.length} (#${e.id}, ${e.action} by ${e.userName})`;
      if (e.action === "create") {
        expect(state, `${where}: a create of an object that exists`).toBeNull();
        expect(e.prechangeData, `${where}: a create has no "before"`).toBeNull();
      } else {
        expect(state, `${where}: an ${e.action} of an object the log never created`).not.toBeNull();
        expect(comparable(e.prechangeData), `${where}: "before" is not the previous entry's "after"`).toEqual(state);
      }
      state = e.action === "delete" ? null : comparable(e.postchangeData);
    }
    expect(state, `${key}: the change log does not end in the object as the database holds it`).toEqual(comparable(current.get(key)));
  }
  for (const key of current.keys()) {
    if (key === "netbox_pdm.pdmsettings:1" && !chains.has(key)) continue; // never edited: still its defaults
    expect(chains.has(key), `${key} exists but the change log never recorded it`).toBe(true);
  }
}

/** Git agrees with the database: main equals its inventory, and every remote's history reaches its creation. */
export async function expectGitAgrees(db: TestDb): Promise<void> {
  await withGitLock(() => commitInventoryToMain(ctxFor(db), "Inventory edits"));
  const store = await inventoryStore();
  const want = await inventoryObjects(db.handle.db);
  const have = await store.readSnapshot("main");
  expect([...have.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [p, o] of want) expect(have.get(p), p).toEqual(o);
  const endpointNames = new Map((await db.handle.db.select({ id: pdmEndpoints.id, name: pdmEndpoints.name }).from(pdmEndpoints)).map((e) => [e.id, e.name]));
  const cols = getTableColumns(pdmRemotes);
  const remotes = await db.handle.db.select({ id: cols.id, name: cols.name, endpoint: cols.pdmEndpointId }).from(pdmRemotes);
  for (const r of remotes) {
    const path = remotePath(endpointNames.get(r.endpoint)!, r.name);
    const history = await objectHistory(ctxFor(db), path, 1000);
    expect(history.length, `${path}: no history on main`).toBeGreaterThan(0);
    expect(history.at(-1)!.kind, `${path}: the history walk does not reach the remote's creation`).toBe("created");
    expect(history.every((h) => h.data === null || h.data.id === r.id), `${path}: the history follows another object`).toBe(true);
  }
}

export async function expectRecordTrue(db: TestDb): Promise<void> {
  await expectChangeLogReplays(db);
  await expectGitAgrees(db);
}
