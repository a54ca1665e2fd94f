import { sql } from "drizzle-orm";
import { check, pgTable, varchar } from "drizzle-orm/pg-core";
import { createdColumn, descriptionColumn, idColumn, lastUpdatedColumn } from "./columns";

// Stand-ins for NetBox's dcim.Site and tenancy.Tenant (SPEC §2.4).
export const sites = pgTable(
  "sites",
  {
    id: idColumn(),
    name: varchar("name", { length: 100 }).notNull().unique("sites_name_key"),
    slug: varchar("slug", { length: 100 }).notNull().unique("sites_slug_key"),
    description: descriptionColumn(),
    created: createdColumn(),
    lastUpdated: lastUpdatedColumn(),
  },
  (t) => [check("sites_slug_check", sql`${t.slug} ~ '^[a-z0-9_-]+$'`)],
);

export const tenants = pgTable(
  "tenants",
  {
    id: idColumn(),
    name: varchar("name", { length: 100 }).notNull().unique("tenants_name_key"),
    slug: varchar("slug", { length: 100 }).notNull().unique("tenants_slug_key"),
    description: descriptionColumn(),
    created: createdColumn(),
    lastUpdated: lastUpdatedColumn(),
  },
  (t) => [check("tenants_slug_check", sql`${t.slug} ~ '^[a-z0-9_-]+$'`)],
);

export type Site = typeof sites.$inferSelect;
export type NewSite = typeof sites.$inferInsert;
export type Tenant = typeof tenants.$inferSelect;
export type NewTenant = typeof tenants.$inferInsert;
