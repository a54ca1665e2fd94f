import { integer, text, timestamp } from "drizzle-orm/pg-core";

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
