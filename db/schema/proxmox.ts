import { sql } from "drizzle-orm";
import { boolean, check, index, integer, pgTable, varchar } from "drizzle-orm/pg-core";
import { createdColumn, descriptionColumn, idColumn, lastUpdatedColumn } from "./columns";
import { sites, tenants } from "./organization";

/** The API ports of Proxmox VE and PBS: a node string without a port means these (SPEC §3). */
export const DEFAULT_PORTS = { pve: 8006, pbs: 8007 } as const;

// Stand-ins for netbox-proxbox's ProxmoxEndpoint and netbox-pbs's PBSServer (SPEC §2.4):
// the objects PDM remotes link to.
export const proxmoxEndpoints = pgTable(
  "proxmox_endpoints",
  {
    id: idColumn(),
    name: varchar("name", { length: 100 }).notNull().unique("proxmox_endpoints_name_key"),
    host: varchar("host", { length: 255 }).notNull(),
    port: integer("port").notNull().default(DEFAULT_PORTS.pve),
    fingerprint: varchar("fingerprint", { length: 95 }),
    siteId: integer("site_id").references(() => sites.id, { onDelete: "set null" }),
    tenantId: integer("tenant_id").references(() => tenants.id, { onDelete: "set null" }),
    description: descriptionColumn(),
    created: createdColumn(),
    lastUpdated: lastUpdatedColumn(),
  },
  (t) => [
    check("proxmox_endpoints_port_check", sql`${t.port} between 1 and 65535`),
    // Linking (SPEC §3) looks candidates up by fingerprint and by host.
    index("proxmox_endpoints_fingerprint_idx").on(t.fingerprint),
    index("proxmox_endpoints_host_idx").on(sql`lower(${t.host})`),
    index("proxmox_endpoints_site_idx").on(t.siteId),
    index("proxmox_endpoints_tenant_idx").on(t.tenantId),
  ],
);

export const pbsServers = pgTable(
  "pbs_servers",
  {
    id: idColumn(),
    name: varchar("name", { length: 100 }).notNull().unique("pbs_servers_name_key"),
    host: varchar("host", { length: 255 }).notNull(),
    port: integer("port").notNull().default(DEFAULT_PORTS.pbs),
    fingerprint: varchar("fingerprint", { length: 95 }),
    verifySsl: boolean("verify_ssl").notNull().default(true),
    siteId: integer("site_id").references(() => sites.id, { onDelete: "set null" }),
    tenantId: integer("tenant_id").references(() => tenants.id, { onDelete: "set null" }),
    description: descriptionColumn(),
    created: createdColumn(),
    lastUpdated: lastUpdatedColumn(),
  },
  (t) => [
    check("pbs_servers_port_check", sql`${t.port} between 1 and 65535`),
    index("pbs_servers_fingerprint_idx").on(t.fingerprint),
    index("pbs_servers_host_idx").on(sql`lower(${t.host})`),
    index("pbs_servers_site_idx").on(t.siteId),
    index("pbs_servers_tenant_idx").on(t.tenantId),
  ],
);

export type ProxmoxEndpoint = typeof proxmoxEndpoints.$inferSelect;
export type NewProxmoxEndpoint = typeof proxmoxEndpoints.$inferInsert;
export type PbsServer = typeof pbsServers.$inferSelect;
export type NewPbsServer = typeof pbsServers.$inferInsert;
