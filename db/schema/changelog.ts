import { index, integer, jsonb, pgEnum, pgTable, uuid, varchar } from "drizzle-orm/pg-core";
import { idColumn, tsColumn } from "./columns";
import { syncRuns } from "./sync-runs";
import { users } from "./users";

export const CHANGE_ACTIONS = ["create", "update", "delete"] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];
export const changeActionEnum = pgEnum("change_action", CHANGE_ACTIONS);

// NetBox's core.ObjectChange (SPEC §7). Secrets are left out of the data before it gets here.
export const objectChanges = pgTable(
  "object_changes",
  {
    id: idColumn(),
    time: tsColumn("time").notNull().defaultNow(),
    userId: integer("user_id").references(() => users.id, { onDelete: "set null" }),
    userName: varchar("user_name", { length: 150 }).notNull(),
    requestId: uuid("request_id").notNull(),
    action: changeActionEnum("action").notNull(),
    changedObjectType: varchar("changed_object_type", { length: 100 }).notNull(),
    changedObjectId: integer("changed_object_id").notNull(),
    objectRepr: varchar("object_repr", { length: 200 }).notNull(),
    prechangeData: jsonb("prechange_data").$type<Record<string, unknown> | null>(),
    postchangeData: jsonb("postchange_data").$type<Record<string, unknown> | null>(),
    syncRunId: integer("sync_run_id").references(() => syncRuns.id, { onDelete: "set null" }),
  },
  (t) => [
    // An object's Changelog tab lists its entries newest first.
    index("object_changes_object_idx").on(t.changedObjectType, t.changedObjectId, t.time),
    index("object_changes_request_idx").on(t.requestId),
    index("object_changes_sync_run_idx").on(t.syncRunId),
    index("object_changes_time_idx").on(t.time),
  ],
);

export type ObjectChange = typeof objectChanges.$inferSelect;
export type NewObjectChange = typeof objectChanges.$inferInsert;
