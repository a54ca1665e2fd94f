import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { pgConstraintError } from "@/lib/services/crud";
import { describeEachDb, uniq } from "@/tests/db";
import {
  pbsServers,
  pdmEndpointPbsServers,
  pdmEndpointProxmoxEndpoints,
  pdmEndpoints,
  pdmRemotes,
  pdmSettings,
  proxmoxEndpoints,
  sites,
  tenants,
  users,
} from "./schema";

// Issue #2 item 2: the database itself enforces the rules, whatever the services do. Every insert
// and delete here is raw Drizzle, bypassing the service layer; each refusal must come from the
// named constraint, not from some unrelated error.

async function refusedBy(p: Promise<unknown>): Promise<{ code: string; constraint?: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "the database accepted the row").not.toBeNull();
  const pg = pgConstraintError(err);
  expect(pg, `not a constraint violation: ${String(err)}`).not.toBeNull();
  return pg!;
}

describeEachDb("database constraints (raw SQL)", (get) => {
  const db = () => get().handle.db;

  async function endpoint(extra: Partial<typeof pdmEndpoints.$inferInsert> = {}) {
    const [row] = await db()
      .insert(pdmEndpoints)
      .values({ name: uniq("pdm"), host: "pdm.example.net", tokenId: "root@pam!t", ...extra })
      .returning();
    return row!;
  }

  describe("unique names", () => {
    it("sites, tenants, Proxmox endpoints, PBS servers, PDM endpoints, users", async () => {
      const name = uniq("dup");
      await db().insert(sites).values({ name, slug: uniq("s") });
      expect(await refusedBy(db().insert(sites).values({ name, slug: uniq("s") }))).toMatchObject({ code: "23505", constraint: "sites_name_key" });
      const slug = uniq("slug");
      await db().insert(sites).values({ name: uniq("s"), slug });
      expect(await refusedBy(db().insert(sites).values({ name: uniq("s"), slug }))).toMatchObject({ code: "23505", constraint: "sites_slug_key" });
      expect(await refusedBy(db().insert(sites).values({ name: uniq("s"), slug: "Not A Slug" }))).toMatchObject({ code: "23514", constraint: "sites_slug_check" });

      await db().insert(tenants).values({ name, slug: uniq("t") });
      expect(await refusedBy(db().insert(tenants).values({ name, slug: uniq("t") }))).toMatchObject({ code: "23505", constraint: "tenants_name_key" });

      await db().insert(proxmoxEndpoints).values({ name, host: "a.example" });
      expect(await refusedBy(db().insert(proxmoxEndpoints).values({ name, host: "b.example" }))).toMatchObject({
        code: "23505",
        constraint: "proxmox_endpoints_name_key",
      });

      await db().insert(pbsServers).values({ name, host: "a.example" });
      expect(await refusedBy(db().insert(pbsServers).values({ name, host: "b.example" }))).toMatchObject({ code: "23505", constraint: "pbs_servers_name_key" });

      await endpoint({ name });
      expect(await refusedBy(endpoint({ name }))).toMatchObject({ code: "23505", constraint: "pdm_endpoints_name_key" });

      await db().insert(users).values({ username: name, passwordHash: "x" });
      expect(await refusedBy(db().insert(users).values({ username: name, passwordHash: "x" }))).toMatchObject({
        code: "23505",
        constraint: "users_username_key",
      });
    });

    it("unique (pdm_endpoint, name) for remotes; the same name on another endpoint is fine", async () => {
      const a = await endpoint();
      const b = await endpoint();
      await db().insert(pdmRemotes).values({ pdmEndpointId: a.id, name: "same", remoteType: "pve" });
      await db().insert(pdmRemotes).values({ pdmEndpointId: b.id, name: "same", remoteType: "pve" });
      expect(await refusedBy(db().insert(pdmRemotes).values({ pdmEndpointId: a.id, name: "same", remoteType: "pbs" }))).toMatchObject({
        code: "23505",
        constraint: "pdm_remotes_endpoint_name_key",
      });
    });
  });

  it("the remote-type / link-kind rule, both ways", async () => {
    const ep = await endpoint();
    const [pve] = await db().insert(proxmoxEndpoints).values({ name: uniq("pve"), host: "pve.example" }).returning();
    const [pbs] = await db().insert(pbsServers).values({ name: uniq("pbs"), host: "pbs.example" }).returning();
    const rule = { code: "23514", constraint: "pdm_remotes_link_kind_check" };
    expect(await refusedBy(db().insert(pdmRemotes).values({ pdmEndpointId: ep.id, name: "a", remoteType: "pve", linkedPbsServerId: pbs!.id }))).toMatchObject(rule);
    expect(await refusedBy(db().insert(pdmRemotes).values({ pdmEndpointId: ep.id, name: "b", remoteType: "pbs", linkedProxmoxEndpointId: pve!.id }))).toMatchObject(rule);
    const [ok] = await db().insert(pdmRemotes).values({ pdmEndpointId: ep.id, name: "c", remoteType: "pve", linkedProxmoxEndpointId: pve!.id }).returning();
    // Changing the type under an existing link is refused as well.
    expect(await refusedBy(db().update(pdmRemotes).set({ remoteType: "pbs" }).where(eq(pdmRemotes.id, ok!.id)))).toMatchObject(rule);
  });

  it("the settings singleton: only id 1", async () => {
    await db().insert(pdmSettings).values({ id: 1 }).onConflictDoNothing();
    expect(await refusedBy(db().insert(pdmSettings).values({ id: 2 }))).toMatchObject({ code: "23514", constraint: "pdm_settings_singleton_check" });
    expect(await refusedBy(db().insert(pdmSettings).values({ id: 1 }))).toMatchObject({ code: "23505" });
  });

  describe("on-delete rules", () => {
    it("deleting an endpoint deletes its remotes and its declared lists", async () => {
      const ep = await endpoint();
      const [pve] = await db().insert(proxmoxEndpoints).values({ name: uniq("pve"), host: "pve.example" }).returning();
      const [pbs] = await db().insert(pbsServers).values({ name: uniq("pbs"), host: "pbs.example" }).returning();
      await db().insert(pdmEndpointProxmoxEndpoints).values({ pdmEndpointId: ep.id, proxmoxEndpointId: pve!.id });
      await db().insert(pdmEndpointPbsServers).values({ pdmEndpointId: ep.id, pbsServerId: pbs!.id });
      await db().insert(pdmRemotes).values([
        { pdmEndpointId: ep.id, name: "r1", remoteType: "pve" },
        { pdmEndpointId: ep.id, name: "r2", remoteType: "pbs" },
      ]);
      await db().delete(pdmEndpoints).where(eq(pdmEndpoints.id, ep.id));
      expect(await db().select().from(pdmRemotes).where(eq(pdmRemotes.pdmEndpointId, ep.id))).toEqual([]);
      expect(await db().select().from(pdmEndpointProxmoxEndpoints).where(eq(pdmEndpointProxmoxEndpoints.pdmEndpointId, ep.id))).toEqual([]);
      expect(await db().select().from(pdmEndpointPbsServers).where(eq(pdmEndpointPbsServers.pdmEndpointId, ep.id))).toEqual([]);
      // The declared objects themselves stay.
      expect(await db().select().from(proxmoxEndpoints).where(eq(proxmoxEndpoints.id, pve!.id))).toHaveLength(1);
    });

    it("deleting a linked Proxmox endpoint or PBS server sets the link to null and drops it from declared lists", async () => {
      const ep = await endpoint();
      const [pve] = await db().insert(proxmoxEndpoints).values({ name: uniq("pve"), host: "pve.example" }).returning();
      const [pbs] = await db().insert(pbsServers).values({ name: uniq("pbs"), host: "pbs.example" }).returning();
      await db().insert(pdmEndpointProxmoxEndpoints).values({ pdmEndpointId: ep.id, proxmoxEndpointId: pve!.id });
      const [r1] = await db().insert(pdmRemotes).values({ pdmEndpointId: ep.id, name: "r1", remoteType: "pve", linkedProxmoxEndpointId: pve!.id }).returning();
      const [r2] = await db().insert(pdmRemotes).values({ pdmEndpointId: ep.id, name: "r2", remoteType: "pbs", linkedPbsServerId: pbs!.id }).returning();
      await db().delete(proxmoxEndpoints).where(eq(proxmoxEndpoints.id, pve!.id));
      await db().delete(pbsServers).where(eq(pbsServers.id, pbs!.id));
      const [a] = await db().select().from(pdmRemotes).where(eq(pdmRemotes.id, r1!.id));
      const [b] = await db().select().from(pdmRemotes).where(eq(pdmRemotes.id, r2!.id));
      expect(a!.linkedProxmoxEndpointId).toBeNull();
      expect(b!.linkedPbsServerId).toBeNull();
      expect(await db().select().from(pdmEndpointProxmoxEndpoints).where(eq(pdmEndpointProxmoxEndpoints.pdmEndpointId, ep.id))).toEqual([]);
    });

    it("deleting a site or tenant sets the reference to null on every object type", async () => {
      const [site] = await db().insert(sites).values({ name: uniq("s"), slug: uniq("s") }).returning();
      const [tenant] = await db().insert(tenants).values({ name: uniq("t"), slug: uniq("t") }).returning();
      const refs = { siteId: site!.id, tenantId: tenant!.id };
      const ep = await endpoint(refs);
      const [pve] = await db().insert(proxmoxEndpoints).values({ name: uniq("pve"), host: "pve.example", ...refs }).returning();
      const [pbs] = await db().insert(pbsServers).values({ name: uniq("pbs"), host: "pbs.example", ...refs }).returning();
      await db().delete(sites).where(eq(sites.id, site!.id));
      await db().delete(tenants).where(eq(tenants.id, tenant!.id));
      for (const [table, id] of [
        [pdmEndpoints, ep.id],
        [proxmoxEndpoints, pve!.id],
        [pbsServers, pbs!.id],
      ] as const) {
        const [row] = await db().select({ siteId: table.siteId, tenantId: table.tenantId }).from(table).where(eq(table.id, id));
        expect(row).toEqual({ siteId: null, tenantId: null });
      }
    });
  });
});
