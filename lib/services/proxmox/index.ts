import { z } from "zod";
import type { Executor } from "@/db/client";
import {
  DEFAULT_PORTS,
  pbsServers,
  pdmEndpointPbsServers,
  pdmEndpointProxmoxEndpoints,
  pdmRemotes,
  proxmoxEndpoints,
  sites,
  tenants,
} from "@/db/schema";

import { zDescription, zFingerprint, zHost, zName, zPort, zRefId } from "@/lib/validation/fields";
import { createCrudService, fkReverseRef, iso, m2mReverseRef, type BaseRecord, type CrudService } from "../crud";
import { pdmEndpointService } from "../pdm-endpoints";
import { pdmRemoteService } from "../pdm-remotes";
import { loadRefs, refOrNull, type Ref } from "../refs";

// Proxmox endpoints (netbox-proxbox) and PBS servers (netbox-pbs): the objects remotes link to
// (SPEC §2.4). Same shape, except PBS servers carry verify_ssl.

export interface ProxmoxEndpointRecord extends BaseRecord {
  name: string;
  host: string;
  port: number;
  fingerprint: string | null;
  site: Ref | null;
  tenant: Ref | null;
  description: string;
  created: Date;
  last_updated: Date;
}

export interface PbsServerRecord extends ProxmoxEndpointRecord {
  verify_ssl: boolean;
}

const baseShape = {
  name: zName,
  host: zHost,
  port: zPort,
  fingerprint: zFingerprint,
  site: zRefId.nullable(),
  tenant: zRefId.nullable(),
  description: zDescription,
};
export const proxmoxEndpointCreateSchema = z.strictObject(baseShape);
export const pbsServerCreateSchema = z.strictObject({ ...baseShape, verify_ssl: z.boolean("Expected a boolean.") });

type Table = typeof proxmoxEndpoints | typeof pbsServers;

function defineService<R extends ProxmoxEndpointRecord, S extends z.ZodObject>(opts: {
  table: Table;
  objectType: "netbox_proxbox.proxmoxendpoint" | "netbox_pbs.pbsserver";
  noun: string;
  schema: S;
  defaults: Record<string, unknown>;
  extra: (row: Record<string, unknown>) => Partial<R>;
  referencedBy: () => ReturnType<typeof fkReverseRef>[];
}): CrudService<R, S> {
  const t = opts.table;
  async function hydrate(db: Executor, rows: (typeof pbsServers.$inferSelect | typeof proxmoxEndpoints.$inferSelect)[]): Promise<R[]> {
    const siteRefs = await loadRefs(db, sites, rows.map((r) => r.siteId));
    const tenantRefs = await loadRefs(db, tenants, rows.map((r) => r.tenantId));
    return rows.map(
      (r) =>
        ({
          id: r.id,
          display: r.name,
          name: r.name,
          host: r.host,
          port: r.port,
          fingerprint: r.fingerprint,
          ...opts.extra(r as Record<string, unknown>),
          site: refOrNull(siteRefs, r.siteId),
          tenant: refOrNull(tenantRefs, r.tenantId),
          description: r.description,
          created: r.created,
          last_updated: r.lastUpdated,
        }) as R,
    );
  }
  return createCrudService({
    objectType: opts.objectType,
    table: t,
    idColumn: t.id,
    list: {
      id: t.id,
      filters: {
        id: { expr: t.id, kind: "int" },
        name: { expr: t.name, kind: "string" },
        host: { expr: t.host, kind: "string" },
        port: { expr: t.port, kind: "int" },
        fingerprint: { expr: t.fingerprint, kind: "string" },
        site_id: { expr: t.siteId, kind: "fk" },
        tenant_id: { expr: t.tenantId, kind: "fk" },
        description: { expr: t.description, kind: "string" },
        created: { expr: t.created, kind: "datetime" },
        last_updated: { expr: t.lastUpdated, kind: "datetime" },
        ...(t === pbsServers ? { verify_ssl: { expr: pbsServers.verifySsl, kind: "bool" as const } } : {}),
      },
      ordering: { id: t.id, name: t.name, host: t.host, port: t.port, created: t.created, last_updated: t.lastUpdated },
      defaultOrdering: ["name"],
      search: [t.name, t.host, t.description],
    },
    schemas: { create: opts.schema, replace: opts.schema, patch: opts.schema.partial() },
    defaults: opts.defaults,
    hydrate,
    snapshot: (r) => ({
      id: r.id,
      name: r.name,
      host: r.host,
      port: r.port,
      fingerprint: r.fingerprint,
      ...("verify_ssl" in r ? { verify_ssl: (r as PbsServerRecord).verify_ssl } : {}),
      site: r.site?.id ?? null,
      tenant: r.tenant?.id ?? null,
      description: r.description,
      created: iso(r.created),
      last_updated: iso(r.last_updated),
    }),
    unique: [{ field: "name", column: t.name, constraint: `${t === pbsServers ? "pbs_servers" : "proxmox_endpoints"}_name_key`, message: `A ${opts.noun} with this name already exists.` }],
    async toValues(_ctx, input) {
      const { site, tenant, verify_ssl, ...own } = input;
      return { ...own, verifySsl: verify_ssl, siteId: site, tenantId: tenant };
    },
    referencedBy: opts.referencedBy,
  });
}

export const proxmoxEndpointService = defineService<ProxmoxEndpointRecord, typeof proxmoxEndpointCreateSchema>({
  table: proxmoxEndpoints,
  objectType: "netbox_proxbox.proxmoxendpoint",
  noun: "Proxmox endpoint",
  schema: proxmoxEndpointCreateSchema,
  defaults: { port: DEFAULT_PORTS.pve, fingerprint: null, site: null, tenant: null, description: "" },
  extra: () => ({}),
  referencedBy: () => [
    fkReverseRef(pdmRemoteService, pdmRemotes, pdmRemotes.id, pdmRemotes.linkedProxmoxEndpointId, "linkedProxmoxEndpointId", { linkSource: "none" }),
    m2mReverseRef(pdmEndpointService, pdmEndpointProxmoxEndpoints, pdmEndpointProxmoxEndpoints.pdmEndpointId, pdmEndpointProxmoxEndpoints.proxmoxEndpointId),
  ],
});

export const pbsServerService = defineService<PbsServerRecord, typeof pbsServerCreateSchema>({
  table: pbsServers,
  objectType: "netbox_pbs.pbsserver",
  noun: "PBS server",
  schema: pbsServerCreateSchema,
  defaults: { port: DEFAULT_PORTS.pbs, fingerprint: null, verify_ssl: true, site: null, tenant: null, description: "" },
  extra: (r) => ({ verify_ssl: r.verifySsl as boolean }),
  referencedBy: () => [
    fkReverseRef(pdmRemoteService, pdmRemotes, pdmRemotes.id, pdmRemotes.linkedPbsServerId, "linkedPbsServerId", { linkSource: "none" }),
    m2mReverseRef(pdmEndpointService, pdmEndpointPbsServers, pdmEndpointPbsServers.pdmEndpointId, pdmEndpointPbsServers.pbsServerId),
  ],
});
