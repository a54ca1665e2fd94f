import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { objectChanges, pdmEndpoints, pdmRemotes, pdmSettings, sites } from "@/db/schema";
import { AppError, ValidationError } from "@/lib/errors";
import { ADMIN, ctxFor, describeEachDb, EDITOR, uniq, VIEWER, type TestDb } from "@/tests/db";
import { createContext } from "./context";
import { siteService, tenantService } from "./organization";
import { pdmEndpointService, getPdmEndpointConnection } from "./pdm-endpoints";
import { pdmRemoteService } from "./pdm-remotes";
import { pbsServerService, proxmoxEndpointService } from "./proxmox";
import { getSettings, updateSettings } from "./settings";
import { SecretBox } from "@/lib/crypto/secrets";

const SECRET = "5f2c1d0e-1111-4222-8333-944445555666";
const FP = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99";

async function expectFieldErrors(p: Promise<unknown>, fields: string[]) {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect(Object.keys((err as ValidationError).fields ?? {})).toEqual(expect.arrayContaining(fields));
    return (err as ValidationError).fields!;
  }
  throw new Error(`expected field errors on ${fields.join(", ")}`);
}

async function changesFor(db: TestDb, type: string, id: number) {
  return db.handle.db
    .select()
    .from(objectChanges)
    .where(and(eq(objectChanges.changedObjectType, type), eq(objectChanges.changedObjectId, id)))
    .orderBy(objectChanges.id);
}

function endpointInput(extra: Record<string, unknown> = {}) {
  return { name: uniq("pdm"), host: "pdm.example.net", token_id: "root@pam!inventory", token_secret: SECRET, ...extra };
}

describeEachDb("services", (get) => {
  describe("database rules surface as field errors", () => {
    it("unique names for every named type", async () => {
      const ctx = ctxFor(get());
      const name = uniq("dup");
      await siteService.create(ctx, { name, slug: uniq("s") });
      await expectFieldErrors(siteService.create(ctx, { name, slug: uniq("s") }), ["name"]);
      await tenantService.create(ctx, { name, slug: uniq("t") });
      await expectFieldErrors(tenantService.create(ctx, { name, slug: uniq("t") }), ["name"]);
      await proxmoxEndpointService.create(ctx, { name, host: "pve1.example.net" });
      await expectFieldErrors(proxmoxEndpointService.create(ctx, { name, host: "pve2.example.net" }), ["name"]);
      await pbsServerService.create(ctx, { name, host: "pbs1.example.net" });
      await expectFieldErrors(pbsServerService.create(ctx, { name, host: "pbs2.example.net" }), ["name"]);
      await pdmEndpointService.create(ctx, endpointInput({ name }));
      await expectFieldErrors(pdmEndpointService.create(ctx, endpointInput({ name })), ["name"]);
    });

    it("unique slugs", async () => {
      const ctx = ctxFor(get());
      const slug = uniq("slug");
      await siteService.create(ctx, { name: uniq("site"), slug });
      await expectFieldErrors(siteService.create(ctx, { name: uniq("site"), slug }), ["slug"]);
      await expectFieldErrors(siteService.create(ctx, { name: uniq("site"), slug: "Not A Slug" }), ["slug"]);
    });

    it("unique (pdm_endpoint, name) for remotes, same name fine on another endpoint", async () => {
      const ctx = ctxFor(get());
      const a = await pdmEndpointService.create(ctx, endpointInput());
      const b = await pdmEndpointService.create(ctx, endpointInput());
      await pdmRemoteService.create(ctx, { pdm_endpoint: a.id, name: "pve-prod", remote_type: "pve" });
      await pdmRemoteService.create(ctx, { pdm_endpoint: b.id, name: "pve-prod", remote_type: "pve" });
      await expectFieldErrors(pdmRemoteService.create(ctx, { pdm_endpoint: a.id, name: "pve-prod", remote_type: "pbs" }), ["name"]);
    });

    it("the remote-type / link-kind rule", async () => {
      const ctx = ctxFor(get());
      const ep = await pdmEndpointService.create(ctx, endpointInput());
      const pve = await proxmoxEndpointService.create(ctx, { name: uniq("pve"), host: "10.0.0.1" });
      const pbs = await pbsServerService.create(ctx, { name: uniq("pbs"), host: "10.0.0.2" });
      await expectFieldErrors(
        pdmRemoteService.create(ctx, { pdm_endpoint: ep.id, name: "r1", remote_type: "pve", linked_pbs_server: pbs.id }),
        ["linked_pbs_server"],
      );
      await expectFieldErrors(
        pdmRemoteService.create(ctx, { pdm_endpoint: ep.id, name: "r2", remote_type: "pbs", linked_proxmox_endpoint: pve.id }),
        ["linked_proxmox_endpoint"],
      );
      const ok = await pdmRemoteService.create(ctx, { pdm_endpoint: ep.id, name: "r3", remote_type: "pve", linked_proxmox_endpoint: pve.id });
      expect(ok.link_source).toBe("manual");
      expect(ok.linked_proxmox_endpoint?.id).toBe(pve.id);
      // Changing the type under an existing link is refused too.
      await expectFieldErrors(pdmRemoteService.update(ctx, ok.id, { remote_type: "pbs" }, { partial: true }), ["linked_proxmox_endpoint"]);
      // Reset to automatic clears the manual link.
      const reset = await pdmRemoteService.update(ctx, ok.id, { link_source: "auto" }, { partial: true });
      expect(reset.link_source).toBe("none");
      expect(reset.linked_proxmox_endpoint).toBeNull();
    });

    it("unknown reference ids are field errors, not 404s", async () => {
      const ctx = ctxFor(get());
      await expectFieldErrors(proxmoxEndpointService.create(ctx, { name: uniq("pve"), host: "h.example", site: 999999 }), ["site"]);
      await expectFieldErrors(pdmEndpointService.create(ctx, endpointInput({ proxmox_endpoints: [999998], tenant: 999997 })), [
        "proxmox_endpoints",
        "tenant",
      ]);
      await expectFieldErrors(pdmRemoteService.create(ctx, { pdm_endpoint: 999996, name: "x", remote_type: "pve" }), ["pdm_endpoint"]);
    });

    it("field validation: host, port, fingerprint, token id, unknown and wrongly typed fields", async () => {
      const ctx = ctxFor(get());
      const errs = await expectFieldErrors(
        pdmEndpointService.create(ctx, endpointInput({ host: "not a host!", port: 70000, fingerprint: "abc", token_id: "root", bogus: 1, verify_ssl: "yes" })),
        ["host", "port", "fingerprint", "token_id", "bogus", "verify_ssl"],
      );
      expect(errs.port![0]).toMatch(/65535/);
      await expectFieldErrors(pdmEndpointService.create(ctx, { name: uniq("pdm"), host: "h.example", token_id: "a@pam!b" }), ["token_secret"]);
      await expectFieldErrors(pdmEndpointService.create(ctx, endpointInput({ timeout_seconds: 0 })), ["timeout_seconds"]);
      await expect(pdmEndpointService.create(ctx, [1, 2])).rejects.toBeInstanceOf(ValidationError);
    });

    it("normalizes fingerprints and hosts", async () => {
      const ctx = ctxFor(get());
      const ep = await pdmEndpointService.create(ctx, endpointInput({ fingerprint: FP.replace(/:/g, ""), host: "[2001:db8::1]" }));
      expect(ep.fingerprint).toBe(FP.toLowerCase());
      expect(ep.host).toBe("2001:db8::1");
    });

    it("the settings singleton: created on first read, one row, validated", async () => {
      const ctx = ctxFor(get());
      const s = await getSettings(ctx);
      expect(s.pdm_fetch_concurrency).toBe(8);
      expect(s.branch_name_prefix).toBe("pdm-sync");
      await getSettings(ctx);
      const [{ n }] = (await get().handle.db.select({ n: sql<number>`count(*)::int` }).from(pdmSettings)) as [{ n: number }];
      expect(n).toBe(1);
      await expectFieldErrors(updateSettings(ctx, { pdm_fetch_concurrency: 65 }, { partial: true }), ["pdm_fetch_concurrency"]);
      await expectFieldErrors(updateSettings(ctx, { branch_name_prefix: "bad name" }, { partial: true }), ["branch_name_prefix"]);
      await expectFieldErrors(updateSettings(ctx, { sync_schedule: "every hour" }, { partial: true }), ["sync_schedule"]);
      await expectFieldErrors(updateSettings(ctx, { proxbox_api_url: "ftp://x" }, { partial: true }), ["proxbox_api_url"]);
      const upd = await updateSettings(ctx, { sync_schedule: "*/15 * * * *", proxbox_api_key: "pbx-secret-value" }, { partial: true });
      expect(upd.sync_schedule).toBe("*/15 * * * *");
      expect(upd.has_proxbox_api_key).toBe(true);
      expect(JSON.stringify(upd)).not.toContain("pbx-secret-value");
    });

    it("raw inserts that break the rules fail at the database", async () => {
      const db = get().handle.db;
      const ctx = ctxFor(get());
      const ep = await pdmEndpointService.create(ctx, endpointInput());
      const pbs = await pbsServerService.create(ctx, { name: uniq("pbs"), host: "10.0.0.9" });
      const name = uniq("raw");
      await db.insert(sites).values({ name, slug: uniq("raw") });
      await expect(db.insert(sites).values({ name, slug: uniq("raw2") })).rejects.toThrow();
      await expect(db.insert(sites).values({ name: uniq("raw"), slug: "Bad Slug" })).rejects.toThrow();
      await db.insert(pdmRemotes).values({ pdmEndpointId: ep.id, name: "dup", remoteType: "pve" });
      await expect(db.insert(pdmRemotes).values({ pdmEndpointId: ep.id, name: "dup", remoteType: "pbs" })).rejects.toThrow();
      await expect(
        db.insert(pdmRemotes).values({ pdmEndpointId: ep.id, name: "kind", remoteType: "pve", linkedPbsServerId: pbs.id }),
      ).rejects.toThrow();
      await expect(db.insert(pdmSettings).values({ id: 2 })).rejects.toThrow();
      await expect(db.insert(pdmEndpoints).values({ name: uniq("p"), host: "h", tokenId: "a@b!c", port: 0 })).rejects.toThrow();
    });
  });

  describe("on-delete rules", () => {
    it("deleting an endpoint deletes its remotes", async () => {
      const ctx = ctxFor(get());
      const ep = await pdmEndpointService.create(ctx, endpointInput());
      const r = await pdmRemoteService.create(ctx, { pdm_endpoint: ep.id, name: "gone", remote_type: "pbs" });
      await pdmEndpointService.delete(ctx, ep.id);
      expect(await pdmRemoteService.get(ctx, r.id)).toBeNull();
    });

    it("deleting a linked or referenced object sets references to null, logged on both objects", async () => {
      const ctx = ctxFor(get());
      const site = await siteService.create(ctx, { name: uniq("site"), slug: uniq("site") });
      const pve = await proxmoxEndpointService.create(ctx, { name: uniq("pve"), host: "10.1.0.1", site: site.id });
      const ep = await pdmEndpointService.create(ctx, endpointInput({ site: site.id, proxmox_endpoints: [pve.id] }));
      const r = await pdmRemoteService.create(ctx, { pdm_endpoint: ep.id, name: "linked", remote_type: "pve", linked_proxmox_endpoint: pve.id });

      await proxmoxEndpointService.delete(ctx, pve.id);
      const after = await pdmRemoteService.getOrThrow(ctx, r.id);
      expect(after.linked_proxmox_endpoint).toBeNull();
      expect(after.link_source).toBe("none");
      expect((await pdmEndpointService.getOrThrow(ctx, ep.id)).proxmox_endpoints).toEqual([]);
      const remoteLog = await changesFor(get(), "netbox_pdm.pdmremote", r.id);
      expect(remoteLog.at(-1)!.action).toBe("update");
      expect(remoteLog.at(-1)!.prechangeData!.linked_proxmox_endpoint).toBe(pve.id);
      expect(remoteLog.at(-1)!.postchangeData!.linked_proxmox_endpoint).toBeNull();
      const epLog = await changesFor(get(), "netbox_pdm.pdmendpoint", ep.id);
      expect(epLog.at(-1)!.postchangeData!.proxmox_endpoints).toEqual([]);
      const pveLog = await changesFor(get(), "netbox_proxbox.proxmoxendpoint", pve.id);
      expect(pveLog.at(-1)!.action).toBe("delete");

      await siteService.delete(ctx, site.id);
      expect((await pdmEndpointService.getOrThrow(ctx, ep.id)).site).toBeNull();
      const epLog2 = await changesFor(get(), "netbox_pdm.pdmendpoint", ep.id);
      expect(epLog2.at(-1)!.prechangeData!.site).toBe(site.id);
      expect(epLog2.at(-1)!.postchangeData!.site).toBeNull();
    });
  });

  describe("change log", () => {
    it("every write records exactly one entry with correct before/after and actor", async () => {
      const ctx = createContext(get().handle.db, ADMIN, { requestId: "00000000-0000-4000-8000-000000000001" });
      const s = await siteService.create(ctx, { name: uniq("cl"), slug: uniq("cl") });
      let log = await changesFor(get(), "dcim.site", s.id);
      expect(log).toHaveLength(1);
      expect(log[0]!.action).toBe("create");
      expect(log[0]!.prechangeData).toBeNull();
      expect(log[0]!.postchangeData!.name).toBe(s.name);
      expect(log[0]!.userName).toBe("tester");
      expect(log[0]!.requestId).toBe("00000000-0000-4000-8000-000000000001");

      await siteService.update(ctx, s.id, { description: "changed" }, { partial: true });
      log = await changesFor(get(), "dcim.site", s.id);
      expect(log).toHaveLength(2);
      expect(log[1]!.prechangeData!.description).toBe("");
      expect(log[1]!.postchangeData!.description).toBe("changed");

      await siteService.delete(ctx, s.id);
      log = await changesFor(get(), "dcim.site", s.id);
      expect(log).toHaveLength(3);
      expect(log[2]!.postchangeData).toBeNull();
      expect(log[2]!.prechangeData!.description).toBe("changed");
    });

    it("a failed write records nothing", async () => {
      const ctx = ctxFor(get());
      const before = await get().handle.db.select({ n: sql<number>`count(*)::int` }).from(objectChanges);
      await expect(pdmEndpointService.create(ctx, endpointInput({ site: 424242 }))).rejects.toBeInstanceOf(ValidationError);
      const after = await get().handle.db.select({ n: sql<number>`count(*)::int` }).from(objectChanges);
      expect(after[0]!.n).toBe(before[0]!.n);
    });
  });

  describe("secrets", () => {
    it("token secrets are encrypted at rest, never in records or the change log", async () => {
      const ctx = ctxFor(get());
      const ep = await pdmEndpointService.create(ctx, endpointInput());
      expect(ep.has_token_secret).toBe(true);
      expect(JSON.stringify(ep)).not.toContain(SECRET);
      const [row] = await get().handle.db.select().from(pdmEndpoints).where(eq(pdmEndpoints.id, ep.id));
      expect(row!.tokenSecretEncrypted).not.toContain(SECRET);
      expect(row!.tokenSecretEncrypted).toMatch(/^v1\./);
      // PATCH without a secret keeps it; PUT without a secret keeps it; a new one replaces it.
      await pdmEndpointService.update(ctx, ep.id, { description: "x" }, { partial: true });
      const { token_secret: _omit, ...putBody } = endpointInput({ name: ep.name });
      await pdmEndpointService.update(ctx, ep.id, putBody);
      expect((await getPdmEndpointConnection(ctx, ep.id)).tokenSecret).toBe(SECRET);
      await pdmEndpointService.update(ctx, ep.id, { token_secret: "rotated-secret-value" }, { partial: true });
      expect((await getPdmEndpointConnection(ctx, ep.id)).tokenSecret).toBe("rotated-secret-value");
      const log = await get().handle.db.select().from(objectChanges);
      const dump = JSON.stringify(log);
      expect(dump).not.toContain(SECRET);
      expect(dump).not.toContain("rotated-secret-value");
      expect(dump).not.toContain("token_secret");
    });

    it("an editor cannot have the stored secret sent elsewhere: host, port, fingerprint and verify_ssl changes need it again", async () => {
      const ctx = ctxFor(get(), EDITOR);
      const ep = await pdmEndpointService.create(ctx, endpointInput({ fingerprint: FP }));
      const moves: Record<string, unknown>[] = [{ host: "127.0.0.9" }, { port: 9443 }, { fingerprint: null }, { fingerprint: "ab".repeat(32) }, { verify_ssl: false }, { host: "pdm2.example", verify_ssl: false }];
      for (const change of moves) {
        const err = await pdmEndpointService.update(ctx, ep.id, change, { partial: true }).catch((e: unknown) => e);
        expect(err, JSON.stringify(change)).toBeInstanceOf(ValidationError);
        expect(Object.keys((err as ValidationError).fields!), JSON.stringify(change)).toEqual(["token_secret"]);
        expect((err as ValidationError).fields!.token_secret![0]).toMatch(/^Enter the token secret again/);
      }
      // A PUT of what a GET returned (no secret) moves nothing: accepted. Equal values in any spelling too.
      const { token_secret: _s, ...same } = endpointInput({ name: ep.name, host: ep.host, port: ep.port, fingerprint: FP.toUpperCase().replace(/:/g, ""), verify_ssl: ep.verify_ssl });
      await pdmEndpointService.update(ctx, ep.id, same);
      await pdmEndpointService.update(ctx, ep.id, { description: "still here", timeout_seconds: 10 }, { partial: true });
      expect((await getPdmEndpointConnection(ctx, ep.id)).host).toBe(ep.host);
      // With the secret entered again, it moves.
      const moved = await pdmEndpointService.update(ctx, ep.id, { host: "127.0.0.9", fingerprint: null, verify_ssl: false, token_secret: "the-secret-again" }, { partial: true });
      expect(moved).toMatchObject({ host: "127.0.0.9", fingerprint: null, verify_ssl: false });
      expect((await getPdmEndpointConnection(ctx, ep.id)).tokenSecret).toBe("the-secret-again");
    });

    it("a secret that cannot be decrypted names the object", async () => {
      const ctx = ctxFor(get());
      const name = uniq("keychange");
      const ep = await pdmEndpointService.create(ctx, endpointInput({ name }));
      const other = new SecretBox("a-completely-different-app-key");
      await get().handle.db.update(pdmEndpoints).set({ tokenSecretEncrypted: other.encrypt(SECRET) }).where(eq(pdmEndpoints.id, ep.id));
      const err = await getPdmEndpointConnection(ctx, ep.id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe("secret_unreadable");
      expect((err as AppError).message).toContain(name);
      expect((err as AppError).message).not.toContain(SECRET);
    });
  });

  describe("permissions", () => {
    it("a viewer reads but cannot write", async () => {
      const viewer = ctxFor(get(), VIEWER);
      await expect(siteService.list(viewer)).resolves.toBeDefined();
      await expect(siteService.create(viewer, { name: uniq("v"), slug: uniq("v") })).rejects.toMatchObject({ code: "forbidden" });
      await expect(updateSettings(ctxFor(get(), { ...VIEWER, role: "editor" }), { pdm_enabled: false }, { partial: true })).rejects.toMatchObject({
        code: "forbidden",
      });
      const readOnlyToken = ctxFor(get(), { ...ADMIN, kind: "token", writeEnabled: false });
      await expect(siteService.create(readOnlyToken, { name: uniq("v"), slug: uniq("v") })).rejects.toMatchObject({ code: "forbidden" });
    });
  });

  describe("lists", () => {
    it("filters, lookups, q, ordering and pagination", async () => {
      const ctx = ctxFor(get());
      const ep = await pdmEndpointService.create(ctx, endpointInput());
      for (let i = 0; i < 7; i++)
        await pdmRemoteService.create(ctx, { pdm_endpoint: ep.id, name: `list-${i}`, remote_type: i % 3 === 0 ? "pbs" : "pve", version: `9.0.${i}` });
      const base = { pdm_endpoint_id: [String(ep.id)] };
      const pbs = await pdmRemoteService.list(ctx, { filters: { ...base, remote_type: ["pbs"] } });
      expect(pbs.count).toBe(3);
      const both = await pdmRemoteService.list(ctx, { filters: { ...base, name: ["list-1", "list-2"] } });
      expect(both.results.map((r) => r.name)).toEqual(["list-1", "list-2"]);
      const notPbs = await pdmRemoteService.list(ctx, { filters: { ...base, remote_type__n: ["pbs"] } });
      expect(notPbs.count).toBe(4);
      const ic = await pdmRemoteService.list(ctx, { filters: { ...base, version__ic: ["0.6"] } });
      expect(ic.results.map((r) => r.name)).toEqual(["list-6"]);
      const desc = await pdmRemoteService.list(ctx, { filters: base, ordering: ["-name"], limit: 2, offset: 1 });
      expect(desc.count).toBe(7);
      expect(desc.results.map((r) => r.name)).toEqual(["list-5", "list-4"]);
      const q = await pdmRemoteService.list(ctx, { filters: base, q: "LIST-3" });
      expect(q.results.map((r) => r.name)).toEqual(["list-3"]);
      const nullLinks = await pdmRemoteService.list(ctx, { filters: { ...base, linked_proxmox_endpoint_id__isnull: ["true"] } });
      expect(nullLinks.count).toBe(7);
      await expect(pdmRemoteService.list(ctx, { filters: { remote_type: ["vm"] } })).rejects.toBeInstanceOf(ValidationError);
      await expect(pdmRemoteService.list(ctx, { filters: { pdm_endpoint_id: ["abc"] } })).rejects.toBeInstanceOf(ValidationError);
      const clamped = await pdmRemoteService.list(ctx, { limit: 5000 });
      expect(clamped.limit).toBe(1000);
    });
  });
});
