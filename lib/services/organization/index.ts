import { z } from "zod";
import type { Executor } from "@/db/client";
import { pbsServers, pdmEndpoints, proxmoxEndpoints, sites, tenants } from "@/db/schema";
import { zDescription, zName, zSlug } from "@/lib/validation/fields";
import { createCrudService, fkReverseRef, iso, type BaseRecord, type CrudService } from "../crud";
import { pdmEndpointService } from "../pdm-endpoints";
import { pbsServerService, proxmoxEndpointService } from "../proxmox";

// Sites and tenants (SPEC §2.4) have the same shape: name, slug, description.

export interface OrganizationRecord extends BaseRecord {
  name: string;
  slug: string;
  description: string;
  created: Date;
  last_updated: Date;
}

const shape = { name: zName, slug: zSlug, description: zDescription };
export const organizationCreateSchema = z.strictObject(shape);
export const organizationPatchSchema = z.strictObject(shape).partial();
export type OrganizationInput = z.infer<typeof organizationCreateSchema>;

function defineOrganizationService(table: typeof sites | typeof tenants, objectType: "dcim.site" | "tenancy.tenant", noun: string) {
  async function hydrate(_db: Executor, rows: (typeof sites.$inferSelect)[]): Promise<OrganizationRecord[]> {
    return rows.map((r) => ({
      id: r.id,
      display: r.name,
      name: r.name,
      slug: r.slug,
      description: r.description,
      created: r.created,
      last_updated: r.lastUpdated,
    }));
  }
  const tableName = table === sites ? "sites" : "tenants";
  return createCrudService({
    objectType,
    table,
    idColumn: table.id,
    list: {
      id: table.id,
      filters: {
        id: { expr: table.id, kind: "int" },
        name: { expr: table.name, kind: "string" },
        slug: { expr: table.slug, kind: "string" },
        description: { expr: table.description, kind: "string" },
        created: { expr: table.created, kind: "datetime" },
        last_updated: { expr: table.lastUpdated, kind: "datetime" },
      },
      ordering: { id: table.id, name: table.name, slug: table.slug, created: table.created, last_updated: table.lastUpdated },
      defaultOrdering: ["name"],
      search: [table.name, table.slug, table.description],
    },
    schemas: { create: organizationCreateSchema, replace: organizationCreateSchema, patch: organizationPatchSchema },
    defaults: { description: "" },
    hydrate,
    snapshot: (r) => ({
      id: r.id,
      name: r.name,
      slug: r.slug,
      description: r.description,
      created: iso(r.created),
      last_updated: iso(r.last_updated),
    }),
    unique: [
      { field: "name", column: table.name, constraint: `${tableName}_name_key`, message: `A ${noun} with this name already exists.` },
      { field: "slug", column: table.slug, constraint: `${tableName}_slug_key`, message: `A ${noun} with this slug already exists.` },
    ],
    async toValues(_ctx, input) {
      return { name: input.name, slug: input.slug, description: input.description };
    },
    // Deleting a site or tenant clears it on everything that references it, change-logged (SPEC §2.4).
    referencedBy: () => {
      const key = table === sites ? "siteId" : "tenantId";
      return [
        fkReverseRef(pdmEndpointService, pdmEndpoints, pdmEndpoints.id, pdmEndpoints[key], key),
        fkReverseRef(proxmoxEndpointService, proxmoxEndpoints, proxmoxEndpoints.id, proxmoxEndpoints[key], key),
        fkReverseRef(pbsServerService, pbsServers, pbsServers.id, pbsServers[key], key),
      ];
    },
    constraints: { [`${tableName}_slug_check`]: { field: "slug", message: "Enter a valid slug." } },
  });
}

export const siteService: CrudService<OrganizationRecord> = defineOrganizationService(sites, "dcim.site", "site");
export const tenantService: CrudService<OrganizationRecord> = defineOrganizationService(tenants, "tenancy.tenant", "tenant");
