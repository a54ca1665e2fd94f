import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { objectChanges, pdmEndpoints, pdmSettings } from "@/db/schema";
import { SecretBox } from "@/lib/crypto/secrets";
import { ADMIN, describeEachDb, uniq, type TestDb } from "@/tests/db";
import { createContext, type ServiceContext } from "./context";
import type { BaseRecord, CrudService } from "./crud";
import { siteService, tenantService } from "./organization";
import { pdmEndpointService } from "./pdm-endpoints";
import { testPdmEndpointConnection } from "./pdm-endpoints/connection";
import { pdmRemoteService } from "./pdm-remotes";
import { pbsServerService, proxmoxEndpointService } from "./proxmox";
import { getSettings, settingsSnapshot, updateSettings } from "./settings";
import { createToken, deleteToken } from "./tokens";
import { userService } from "./users";

// Issue #2, "Every service write produces exactly one change-log entry with correct before/after;
// secrets never appear in it; the raw encrypted column never holds the plaintext" — for every
// object type, not just one.

const SECRET = "tok-secret-3b9f0e6a-aaaa-4bbb";
const NEW_SECRET = "tok-secret-rotated-77c1d2e3";
const PASSWORD = "first-password-9f8e7d";
const NEW_PASSWORD = "second-password-1a2b3c";
const PROXBOX_KEY = "proxbox-key-5e6f7a8b9c";
const PLAINTEXTS = [SECRET, NEW_SECRET, PASSWORD, NEW_PASSWORD, PROXBOX_KEY];
const SECRET_FIELDS = ["token_secret", "token_secret_encrypted", "proxbox_api_key", "proxbox_api_key_encrypted", "password", "password_hash", "key", "key_hash"];

/** JSON as it comes back out of a jsonb column. */
const asStored = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

function ctxWithRequest(db: TestDb): ServiceContext {
  return createContext(db.handle.db, ADMIN, { requestId: randomUUID() });
}

async function entriesOf(db: TestDb, ctx: ServiceContext) {
  return db.handle.db.select().from(objectChanges).where(eq(objectChanges.requestId, ctx.requestId)).orderBy(objectChanges.id);
}

interface Row {
  label: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  service: CrudService<any>;
  make(db: TestDb): Promise<Record<string, unknown>>;
  patch: Record<string, unknown>;
}

async function anEndpoint(db: TestDb): Promise<number> {
  const ep = await pdmEndpointService.create(ctxWithRequest(db), { name: uniq("dep"), host: "dep.example", token_id: "a@pam!b", token_secret: SECRET });
  return ep.id;
}

const ROWS: Row[] = [
  { label: "site", service: siteService, make: async () => ({ name: uniq("s"), slug: uniq("s") }), patch: { description: "changed" } },
  { label: "tenant", service: tenantService, make: async () => ({ name: uniq("t"), slug: uniq("t") }), patch: { description: "changed" } },
  { label: "Proxmox endpoint", service: proxmoxEndpointService, make: async () => ({ name: uniq("pve"), host: "pve.example" }), patch: { port: 8443 } },
  { label: "PBS server", service: pbsServerService, make: async () => ({ name: uniq("pbs"), host: "pbs.example" }), patch: { verify_ssl: false } },
  {
    label: "PDM endpoint",
    service: pdmEndpointService,
    make: async () => ({ name: uniq("pdm"), host: "pdm.example", token_id: "root@pam!inv", token_secret: SECRET }),
    patch: { token_secret: NEW_SECRET, timeout_seconds: 45 },
  },
  {
    label: "PDM remote",
    service: pdmRemoteService,
    make: async (db) => ({ pdm_endpoint: await anEndpoint(db), name: uniq("r"), remote_type: "pve", version: "9.0.1" }),
    patch: { description: "changed" },
  },
  {
    label: "user",
    service: userService,
    make: async () => ({ username: uniq("u"), password: PASSWORD, role: "viewer" }),
    patch: { password: NEW_PASSWORD, role: "editor" },
  },
];

describeEachDb("change log", (get) => {
  for (const row of ROWS) {
    it(`${row.label}: create, update and delete each write exactly one entry with the right before/after`, async () => {
      const def = row.service.definition;
      const input = await row.make(get());

      const c1 = ctxWithRequest(get());
      const created: BaseRecord = await row.service.create(c1, input);
      const e1 = await entriesOf(get(), c1);
      expect(e1).toHaveLength(1);
      expect(e1[0]).toMatchObject({ action: "create", changedObjectType: def.objectType, changedObjectId: created.id, userName: ADMIN.username, prechangeData: null });
      expect(e1[0]!.postchangeData).toEqual(asStored(def.snapshot(created)));

      const c2 = ctxWithRequest(get());
      const updated: BaseRecord = await row.service.update(c2, created.id, row.patch, { partial: true });
      const e2 = await entriesOf(get(), c2);
      expect(e2).toHaveLength(1);
      expect(e2[0]).toMatchObject({ action: "update", changedObjectId: created.id });
      expect(e2[0]!.prechangeData).toEqual(asStored(def.snapshot(created)));
      expect(e2[0]!.postchangeData).toEqual(asStored(def.snapshot(updated)));

      const c3 = ctxWithRequest(get());
      await row.service.delete(c3, created.id);
      const e3 = await entriesOf(get(), c3);
      expect(e3).toHaveLength(1);
      expect(e3[0]).toMatchObject({ action: "delete", changedObjectId: created.id, postchangeData: null });
      expect(e3[0]!.prechangeData).toEqual(asStored(def.snapshot(updated)));

      const dump = JSON.stringify([...e1, ...e2, ...e3]);
      for (const p of PLAINTEXTS) expect(dump).not.toContain(p);
      for (const entry of [...e1, ...e2, ...e3])
        for (const data of [entry.prechangeData, entry.postchangeData]) for (const f of SECRET_FIELDS) expect(Object.keys(data ?? {})).not.toContain(f);
    });
  }

  it("plugin settings: one entry per update, the proxbox key neither logged nor stored in plaintext", async () => {
    const before = await getSettings(ctxWithRequest(get()));
    const ctx = ctxWithRequest(get());
    const after = await updateSettings(ctx, { proxbox_api_key: PROXBOX_KEY, pdm_fetch_concurrency: 16 }, { partial: true });
    const entries = await entriesOf(get(), ctx);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: "update", changedObjectType: "netbox_pdm.pdmsettings", changedObjectId: 1 });
    expect(entries[0]!.prechangeData).toEqual(asStored(settingsSnapshot(before)));
    expect(entries[0]!.postchangeData).toEqual(asStored(settingsSnapshot(after)));
    expect(JSON.stringify(entries)).not.toContain(PROXBOX_KEY);
    expect(Object.keys(entries[0]!.postchangeData!)).not.toContain("proxbox_api_key");
    const [raw] = await get().handle.db.select().from(pdmSettings);
    expect(raw!.proxboxApiKeyEncrypted).toMatch(/^v1\./);
    expect(raw!.proxboxApiKeyEncrypted).not.toContain(PROXBOX_KEY);
  });

  it("the raw token-secret column holds ciphertext only, after create and after rotation", async () => {
    const ep = await pdmEndpointService.create(ctxWithRequest(get()), { name: uniq("enc"), host: "enc.example", token_id: "a@pam!b", token_secret: SECRET });
    const raw = async () => (await get().handle.db.select().from(pdmEndpoints).where(eq(pdmEndpoints.id, ep.id)))[0]!.tokenSecretEncrypted;
    const first = await raw();
    expect(first).toMatch(/^v1\./);
    expect(first).not.toContain(SECRET);
    await pdmEndpointService.update(ctxWithRequest(get()), ep.id, { token_secret: NEW_SECRET }, { partial: true });
    const second = await raw();
    expect(second).not.toBe(first);
    expect(second).not.toContain(NEW_SECRET);
  });

  it("API tokens: create and delete each write one entry; the key is never in it", async () => {
    const owner = await userService.create(ctxWithRequest(get()), { username: uniq("own"), password: PASSWORD, role: "editor" });
    const c1 = ctxWithRequest(get());
    const { token, key } = await createToken(c1, { user: owner.id, description: "cl" });
    const e1 = await entriesOf(get(), c1);
    expect(e1).toHaveLength(1);
    expect(e1[0]).toMatchObject({ action: "create", changedObjectType: "users.token", changedObjectId: token.id, prechangeData: null });
    const c2 = ctxWithRequest(get());
    await deleteToken(c2, token.id);
    const e2 = await entriesOf(get(), c2);
    expect(e2).toHaveLength(1);
    expect(e2[0]).toMatchObject({ action: "delete", changedObjectId: token.id, postchangeData: null });
    expect(JSON.stringify([...e1, ...e2])).not.toContain(key);
  });

  describe("deletes the database cascades are logged too", () => {
    it("deleting a PDM endpoint logs the delete of each of its remotes", async () => {
      const epId = await anEndpoint(get());
      const remotes = [
        await pdmRemoteService.create(ctxWithRequest(get()), { pdm_endpoint: epId, name: "a", remote_type: "pve" }),
        await pdmRemoteService.create(ctxWithRequest(get()), { pdm_endpoint: epId, name: "b", remote_type: "pbs" }),
      ];
      const ctx = ctxWithRequest(get());
      await pdmEndpointService.delete(ctx, epId);
      const entries = await entriesOf(get(), ctx);
      expect(entries.map((e) => [e.changedObjectType, e.changedObjectId, e.action]).sort()).toEqual(
        [
          ["netbox_pdm.pdmendpoint", epId, "delete"],
          ["netbox_pdm.pdmremote", remotes[0]!.id, "delete"],
          ["netbox_pdm.pdmremote", remotes[1]!.id, "delete"],
        ].sort(),
      );
      for (const r of remotes) {
        const e = entries.find((x) => x.changedObjectId === r.id && x.changedObjectType === "netbox_pdm.pdmremote")!;
        expect(e.prechangeData).toEqual(asStored(pdmRemoteService.definition.snapshot(r)));
        expect(e.postchangeData).toBeNull();
      }
    });

    it("deleting a user logs the delete of each of their API tokens", async () => {
      const owner = await userService.create(ctxWithRequest(get()), { username: uniq("gone"), password: PASSWORD, role: "editor" });
      const t1 = await createToken(ctxWithRequest(get()), { user: owner.id });
      const t2 = await createToken(ctxWithRequest(get()), { user: owner.id, write_enabled: false });
      const ctx = ctxWithRequest(get());
      await userService.delete(ctx, owner.id);
      const entries = await entriesOf(get(), ctx);
      expect(entries.map((e) => [e.changedObjectType, e.changedObjectId]).sort()).toEqual(
        [
          ["users.token", t1.token.id],
          ["users.token", t2.token.id],
          ["users.user", owner.id],
        ].sort(),
      );
      const dump = JSON.stringify(entries);
      expect(dump).not.toContain(t1.key);
      expect(dump).not.toContain(t2.key);
    });
  });

  it("an undecryptable secret makes Test connection say which endpoint and why, not crash", async () => {
    const name = uniq("lost-key");
    const ep = await pdmEndpointService.create(ctxWithRequest(get()), { name, host: "127.0.0.1", port: 9, token_id: "a@pam!b", token_secret: SECRET });
    await get()
      .handle.db.update(pdmEndpoints)
      .set({ tokenSecretEncrypted: new SecretBox("some-other-app-key-entirely").encrypt(SECRET) })
      .where(eq(pdmEndpoints.id, ep.id));
    const result = await testPdmEndpointConnection(ctxWithRequest(get()), ep.id);
    expect(result).toMatchObject({ ok: false, failed_stage: "secret", reachable: false, error_kind: "secret_unreadable" });
    expect(result.error).toContain(`PDM endpoint "${name}"`);
    expect(result.error).toMatch(/SECRET_KEY/);
    expect(result.error).not.toContain(SECRET);
  });
});
