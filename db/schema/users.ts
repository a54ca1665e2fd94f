import { boolean, index, integer, pgEnum, pgTable, text, varchar } from "drizzle-orm/pg-core";
import { createdColumn, idColumn, lastUpdatedColumn, tsColumn } from "./columns";

export const USER_ROLES = ["viewer", "editor", "admin"] as const;
export type UserRole = (typeof USER_ROLES)[number];
export const userRoleEnum = pgEnum("user_role", USER_ROLES);

export const users = pgTable("users", {
  id: idColumn(),
  username: varchar("username", { length: 150 }).notNull().unique("users_username_key"),
  // scrypt, self-describing: "scrypt$N$r$p$<salt b64>$<hash b64>" (lib/auth/password.ts).
  passwordHash: text("password_hash").notNull(),
  role: userRoleEnum("role").notNull().default("viewer"),
  isActive: boolean("is_active").notNull().default(true),
  lastLogin: tsColumn("last_login"),
  // Sessions carry the version they were signed in under; a password change bumps it, which
  // ends every session of the account (issue 17).
  credentialsVersion: integer("credentials_version").notNull().default(1),
  created: createdColumn(),
  lastUpdated: lastUpdatedColumn(),
});

// API tokens (SPEC §8): the 40-character key is shown once; only its SHA-256 is kept.
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: idColumn(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    keyHash: varchar("key_hash", { length: 64 }).notNull().unique("api_tokens_key_hash_key"),
    writeEnabled: boolean("write_enabled").notNull().default(true),
    expires: tsColumn("expires"),
    lastUsed: tsColumn("last_used"),
    description: varchar("description", { length: 200 }).notNull().default(""),
    created: createdColumn(),
  },
  (t) => [index("api_tokens_user_idx").on(t.userId)],
);

// Sessions ended by signing out: a copy of the cookie is refused until the session would have
// expired anyway (`expires`), after which the row is dropped.
export const revokedSessions = pgTable(
  "revoked_sessions",
  {
    sid: varchar("sid", { length: 64 }).primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expires: tsColumn("expires").notNull(),
  },
  // The periodic purge of rows past their expiry.
  (t) => [index("revoked_sessions_expires_idx").on(t.expires)],
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type ApiToken = typeof apiTokens.$inferSelect;
