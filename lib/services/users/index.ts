import { and, eq, lt, ne, sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { USER_ROLES, revokedSessions, users, type User, type UserRole } from "@/db/schema";
import { unchangedLastUpdated } from "@/db/schema/columns";
import { dummyPasswordHash, hashPassword, verifyPassword } from "@/lib/auth/password";
import { addFieldError, AppError, type FieldErrors } from "@/lib/errors";
import { createCrudService, iso, type BaseRecord } from "../crud";
import { cachedActor, invalidateAuthCache } from "../auth-cache";
import type { Actor } from "../context";
import { recordTokenDeletesOfUser } from "../tokens";

// People (SPEC §8). Passwords are write-only and stored as scrypt hashes.

export interface UserRecord extends BaseRecord {
  username: string;
  role: UserRole;
  is_active: boolean;
  last_login: Date | null;
  created: Date;
  last_updated: Date;
}

const zUsername = z
  .string("This field is required.")
  .trim()
  .min(1, "This field is required.")
  .max(150, "Ensure this field has no more than 150 characters.")
  .regex(/^[\w.@+-]+$/, "Enter a valid username: letters, digits and @ . + - _ only.");
const zPassword = z
  .string("This field is required.")
  .min(8, "This password is too short. It must contain at least 8 characters.")
  .max(256, "Ensure this field has no more than 256 characters.");

const shape = {
  username: zUsername,
  password: zPassword,
  role: z.enum(USER_ROLES, `Select a valid choice: ${USER_ROLES.join(", ")}.`),
  is_active: z.boolean("Expected a boolean."),
};
export const userCreateSchema = z.strictObject(shape);
export const userReplaceSchema = z.strictObject({ ...shape, password: zPassword.optional() });
export const userPatchSchema = z.strictObject(shape).partial();

function toRecord(r: User): UserRecord {
  return {
    id: r.id,
    display: r.username,
    username: r.username,
    role: r.role,
    is_active: r.isActive,
    last_login: r.lastLogin,
    created: r.created,
    last_updated: r.lastUpdated,
  };
}

async function hydrate(_db: Executor, rows: User[]): Promise<UserRecord[]> {
  return rows.map(toRecord);
}

export const userService = createCrudService({
  objectType: "users.user",
  table: users,
  idColumn: users.id,
  list: {
    id: users.id,
    filters: {
      id: { expr: users.id, kind: "int" },
      username: { expr: users.username, kind: "string" },
      role: { expr: users.role, kind: "enum", values: USER_ROLES },
      is_active: { expr: users.isActive, kind: "bool" },
    },
    ordering: { id: users.id, username: users.username, role: users.role, last_login: users.lastLogin, created: users.created },
    defaultOrdering: ["username"],
    search: [users.username],
  },
  schemas: { create: userCreateSchema, replace: userReplaceSchema, patch: userPatchSchema },
  defaults: { role: "viewer", is_active: true },
  readOnly: { last_login: z.date().nullable() },
  writeOnly: ["password"],
  unique: [{ field: "username", column: users.username, constraint: "users_username_key", message: "A user with that username already exists." }],
  hydrate,
  snapshot: (r) => ({
    id: r.id,
    username: r.username,
    role: r.role,
    is_active: r.is_active,
    created: iso(r.created),
    last_updated: iso(r.last_updated),
  }),
  async validate(ctx, input, current) {
    const errors: FieldErrors = {};
    // Never lock everyone out: the last active admin keeps the admin role.
    if (current && current.role === "admin" && current.is_active && (input.role !== undefined && input.role !== "admin" || input.is_active === false)) {
      const others = await ctx.db
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.role, "admin"), eq(users.isActive, true), ne(users.id, current.id)))
        .limit(1);
      if (!others.length) addFieldError(errors, "role", "This is the last active admin; make someone else an admin first.");
    }
    return errors;
  },
  async toValues(_ctx, input, current) {
    const { username, role, is_active, password } = input;
    return {
      username,
      role,
      isActive: is_active,
      ...(password !== undefined
        ? {
            passwordHash: await hashPassword(password),
            // A new password ends every session signed in with the old one (issue 17).
            ...(current ? { credentialsVersion: sql`${users.credentialsVersion} + 1` } : {}),
          }
        : {}),
    };
  },
  // Role changes, deactivation and deletion apply to sessions and tokens at once.
  async afterWrite() {
    invalidateAuthCache();
  },
  async beforeDelete(ctx, rec) {
    // Said plainly (issue 17: this used to fail on the change log's reference to the deleted
    // user, as a misleading "referenced object does not exist").
    if (ctx.actor.userId !== null && ctx.actor.userId === rec.id)
      throw new AppError(
        "forbidden",
        `You cannot delete your own account (${rec.username}) while signed in with it or using its token: ask another admin to delete it, or deactivate it instead.`,
      );
    invalidateAuthCache();
    await recordTokenDeletesOfUser(ctx, rec.id);
  },
});

/** Checks a username and password; null on any failure (same timing either way). */
export async function authenticateUser(db: Executor, username: string, password: string): Promise<(UserRecord & { credentialsVersion: number }) | null> {
  const [row] = await db.select().from(users).where(eq(users.username, username)).limit(1);
  if (!row) {
    await verifyPassword(password, await dummyPasswordHash());
    return null;
  }
  const ok = await verifyPassword(password, row.passwordHash);
  if (!ok || !row.isActive) return null;
  await db.update(users).set({ lastLogin: new Date(), ...unchangedLastUpdated(users.lastUpdated) }).where(eq(users.id, row.id));
  return { ...toRecord(row), credentialsVersion: row.credentialsVersion };
}

/** What a session token claims: its user, its own id, and the credentials version it was signed in under. */
export interface SessionClaims {
  uid?: unknown;
  sid?: unknown;
  cv?: unknown;
}

/**
 * The acting person for a session, re-read (through the short auth cache) so role changes apply.
 * A session is valid only while its user is active, its credentials version is the user's current
 * one (a password change ends it) and it has not been signed out (issue 17).
 */
export async function actorForSession(db: Executor, claims: SessionClaims): Promise<Actor | null> {
  const { uid, sid, cv } = claims;
  if (typeof uid !== "number" || !Number.isSafeInteger(uid) || typeof sid !== "string" || sid.length > 64 || typeof cv !== "number") return null;
  return cachedActor(`session:${uid}:${sid}:${cv}`, async () => {
    const [row] = await db
      .select({
        id: users.id,
        username: users.username,
        role: users.role,
        isActive: users.isActive,
        credentialsVersion: users.credentialsVersion,
        revoked: sql<boolean>`exists (select 1 from ${revokedSessions} where ${revokedSessions.sid} = ${sid})`.mapWith(Boolean),
      })
      .from(users)
      .where(eq(users.id, uid))
      .limit(1);
    if (!row || !row.isActive || row.credentialsVersion !== cv || row.revoked) return { actor: null };
    return { actor: { kind: "user", userId: row.id, username: row.username, role: row.role, writeEnabled: true } };
  });
}

/** Signing out: this session's cookie is refused from now on, even if a copy of it is replayed. */
export async function revokeSession(db: Executor, sid: string, userId: number, expires: Date): Promise<void> {
  const now = new Date();
  await db.delete(revokedSessions).where(lt(revokedSessions.expires, now));
  // Through a select, so a user deleted meanwhile simply has nothing left to revoke.
  await db.execute(
    sql`insert into ${revokedSessions} (sid, user_id, expires) select ${sid.slice(0, 64)}, ${users.id}, ${expires.toISOString()}::timestamptz from ${users} where ${users.id} = ${userId} on conflict do nothing`,
  );
  invalidateAuthCache();
}
