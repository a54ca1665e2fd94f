import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  unique,
  varchar,
} from "drizzle-orm/pg-core";
import { createdColumn, descriptionColumn, idColumn, lastUpdatedColumn, tsColumn } from "./columns";
import { sites, tenants } from "./organization";
import { pbsServers, proxmoxEndpoints } from "./proxmox";

export const REMOTE_TYPES = ["pve", "pbs"] as const;
export const REMOTE_STATUSES = ["ok", "unreachable"] as const;
export const LINK_SOURCES = ["auto", "manual", "none"] as const;
export const BRANCH_ON_CONFLICT = ["abort", "overwrite"] as const;

export const remoteTypeEnum = pgEnum("remote_type", REMOTE_TYPES);
export const remoteStatusEnum = pgEnum("remote_status", REMOTE_STATUSES);
export const linkSourceEnum = pgEnum("link_source", LINK_SOURCES);
export const branchOnConflictEnum = pgEnum("branch_on_conflict", BRANCH_ON_CONFLICT);

export type RemoteType = (typeof REMOTE_TYPES)[number];
export type RemoteStatus = (typeof REMOTE_STATUSES)[number];
export type LinkSource = (typeof LINK_SOURCES)[number];

/** One entry of a remote's `nodes`, parsed from PDM's NodeUrl property string (pdm-api.md §4.2). */
export interface RemoteNode {
  host: string;
  port: number | null;
  fingerprint: string | null;
}

// SPEC §2.1: one PDM server.
export const pdmEndpoints = pgTable(
  "pdm_endpoints",
  {
    id: idColumn(),
    name: varchar("name", { length: 100 }).notNull().unique("pdm_endpoints_name_key"),
    host: varchar("host", { length: 255 }).notNull(),
    port: integer("port").notNull().default(8443),
    tokenId: varchar("token_id", { length: 255 }).notNull(),
    // AES-256-GCM ciphertext under the app key (lib/crypto); the plaintext never touches the database.
    tokenSecretEncrypted: text("token_secret_encrypted").notNull().default(""),
    fingerprint: varchar("fingerprint", { length: 95 }),
    verifySsl: boolean("verify_ssl").notNull().default(true),
    allowWrites: boolean("allow_writes").notNull().default(false),
    timeoutSeconds: integer("timeout_seconds").notNull().default(30),
    enabled: boolean("enabled").notNull().default(true),
    version: varchar("version", { length: 64 }),
    lastSeenAt: tsColumn("last_seen_at"),
    lastError: text("last_error"),
    siteId: integer("site_id").references(() => sites.id, { onDelete: "set null" }),
    tenantId: integer("tenant_id").references(() => tenants.id, { onDelete: "set null" }),
    description: descriptionColumn(),
    created: createdColumn(),
    lastUpdated: lastUpdatedColumn(),
  },
  (t) => [
    check("pdm_endpoints_port_check", sql`${t.port} between 1 and 65535`),
    check("pdm_endpoints_timeout_check", sql`${t.timeoutSeconds} between 1 and 600`),
    index("pdm_endpoints_site_idx").on(t.siteId),
    index("pdm_endpoints_tenant_idx").on(t.tenantId),
  ],
);

// The PVE clusters / PBS servers an operator *declares* a PDM manages (SPEC §2.1, used by §3).
export const pdmEndpointProxmoxEndpoints = pgTable(
  "pdm_endpoint_proxmox_endpoints",
  {
    pdmEndpointId: integer("pdm_endpoint_id")
      .notNull()
      .references(() => pdmEndpoints.id, { onDelete: "cascade" }),
    proxmoxEndpointId: integer("proxmox_endpoint_id")
      .notNull()
      .references(() => proxmoxEndpoints.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ columns: [t.pdmEndpointId, t.proxmoxEndpointId] }),
    index("pdm_endpoint_proxmox_endpoints_target_idx").on(t.proxmoxEndpointId),
  ],
);

export const pdmEndpointPbsServers = pgTable(
  "pdm_endpoint_pbs_servers",
  {
    pdmEndpointId: integer("pdm_endpoint_id")
      .notNull()
      .references(() => pdmEndpoints.id, { onDelete: "cascade" }),
    pbsServerId: integer("pbs_server_id")
      .notNull()
      .references(() => pbsServers.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ columns: [t.pdmEndpointId, t.pbsServerId] }),
    index("pdm_endpoint_pbs_servers_target_idx").on(t.pbsServerId),
  ],
);

// SPEC §2.2: one PVE cluster or PBS server managed by a PDM.
export const pdmRemotes = pgTable(
  "pdm_remotes",
  {
    id: idColumn(),
    pdmEndpointId: integer("pdm_endpoint_id")
      .notNull()
      .references(() => pdmEndpoints.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 100 }).notNull(),
    remoteType: remoteTypeEnum("remote_type").notNull(),
    version: varchar("version", { length: 64 }),
    nodes: jsonb("nodes").$type<RemoteNode[]>().notNull().default([]),
    webUrl: text("web_url"),
    authid: varchar("authid", { length: 255 }).notNull().default(""),
    status: remoteStatusEnum("status").notNull().default("ok"),
    lastError: text("last_error"),
    lastSeenAt: tsColumn("last_seen_at"),
    linkedProxmoxEndpointId: integer("linked_proxmox_endpoint_id").references(() => proxmoxEndpoints.id, {
      onDelete: "set null",
    }),
    linkedPbsServerId: integer("linked_pbs_server_id").references(() => pbsServers.id, { onDelete: "set null" }),
    linkSource: linkSourceEnum("link_source").notNull().default("none"),
    // When automatic linking found several candidates (shown as "ambiguous"); derived by sync,
    // volatile like last_seen_at (no change-log entry of its own).
    linkCandidates: jsonb("link_candidates").$type<number[]>().notNull().default([]),
    description: descriptionColumn(),
    created: createdColumn(),
    lastUpdated: lastUpdatedColumn(),
  },
  (t) => [
    unique("pdm_remotes_endpoint_name_key").on(t.pdmEndpointId, t.name),
    // A PVE remote may only link a Proxmox endpoint, a PBS remote only a PBS server (SPEC §2.2).
    check(
      "pdm_remotes_link_kind_check",
      sql`(${t.remoteType} = 'pve' or ${t.linkedProxmoxEndpointId} is null) and (${t.remoteType} = 'pbs' or ${t.linkedPbsServerId} is null)`,
    ),
    // The list page and the API filter by type within an endpoint, ordered by name.
    index("pdm_remotes_type_endpoint_name_idx").on(t.remoteType, t.pdmEndpointId, t.name),
    index("pdm_remotes_name_idx").on(t.name),
    // A list filtered by type in the default order (name, then id) reads its page straight off
    // this index; through pdm_remotes_name_idx it would first skip every remote of the other type
    // that sorts earlier (all "pbs-…" before "pve-…").
    index("pdm_remotes_type_name_idx").on(t.remoteType, t.name, t.id),
    // Counting a type's remotes (every filtered list page) as an index-only scan.
    index("pdm_remotes_type_idx").on(t.remoteType),
    index("pdm_remotes_linked_proxmox_idx").on(t.linkedProxmoxEndpointId),
    index("pdm_remotes_linked_pbs_idx").on(t.linkedPbsServerId),
  ],
);

// SPEC §2.3: the plugin settings singleton; the check pins the only row to id 1.
export const pdmSettings = pgTable(
  "pdm_settings",
  {
    id: integer("id").primaryKey().default(1),
    proxboxApiUrl: text("proxbox_api_url").notNull().default(""),
    proxboxApiKeyEncrypted: text("proxbox_api_key_encrypted").notNull().default(""),
    branchingEnabled: boolean("branching_enabled").notNull().default(false),
    branchNamePrefix: varchar("branch_name_prefix", { length: 100 }).notNull().default("pdm-sync"),
    branchOnConflict: branchOnConflictEnum("branch_on_conflict").notNull().default("abort"),
    pdmFetchConcurrency: integer("pdm_fetch_concurrency").notNull().default(8),
    pdmEnabled: boolean("pdm_enabled").notNull().default(true),
    syncSchedule: varchar("sync_schedule", { length: 200 }).notNull().default(""),
    created: createdColumn(),
    lastUpdated: lastUpdatedColumn(),
  },
  (t) => [
    check("pdm_settings_singleton_check", sql`${t.id} = 1`),
    check("pdm_settings_concurrency_check", sql`${t.pdmFetchConcurrency} between 1 and 64`),
  ],
);

export type PdmEndpoint = typeof pdmEndpoints.$inferSelect;
export type NewPdmEndpoint = typeof pdmEndpoints.$inferInsert;
export type PdmRemote = typeof pdmRemotes.$inferSelect;
export type NewPdmRemote = typeof pdmRemotes.$inferInsert;
export type PdmSettings = typeof pdmSettings.$inferSelect;
