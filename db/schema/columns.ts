import { sql, type SQL } from "drizzle-orm";
import { integer, text, timestamp, type PgColumn } from "drizzle-orm/pg-core";

/** Columns every inventory object carries (SPEC §2): id, created, last_updated, description. */
export const idColumn = () => integer("id").primaryKey().generatedByDefaultAsIdentity();
export const createdColumn = () => timestamp("created", { withTimezone: true, mode: "date" }).notNull().defaultNow();
export const lastUpdatedColumn = () =>
  timestamp("last_updated", { withTimezone: true, mode: "date" })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());
export const descriptionColumn = () => text("description").notNull().default("");
export const tsColumn = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * `last_updated` as it is, for a write that is not a change of the object (a sync's last_seen_at,
 * a sign-in's last_login): every drizzle update otherwise sets it through $onUpdate, and
 * last_updated would no longer say when the object last changed (its change log would not end
 * in the row).
 */
export const unchangedLastUpdated = (column: PgColumn): { lastUpdated: SQL } => ({ lastUpdated: sql`${column}` });
