import { and, count, eq, inArray, lt, or, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import { apiTokens, users, type UserRole } from "@/db/schema";
import { authorize, can } from "@/lib/auth/permissions";
import { generateTokenKey, hashTokenKey, TOKEN_KEY_RE } from "@/lib/auth/token-keys";
import { AppError, NotFoundError, ValidationError, type FieldErrors } from "@/lib/errors";
import { isRowId, zRefId } from "@/lib/validation/fields";
import { recordChanges } from "../changelog/record";
import { iso, parseInput, type BaseRecord } from "../crud";
import type { Ref } from "../refs";
import { cachedActor, invalidateAuthCache } from "../auth-cache";
import { withTransaction, type Actor, type ServiceContext } from "../context";
import { buildOrderBy, buildWhere, clampLimit, pageInIdOrder, type ListInput, type ListSpec, type Page } from "../list";

// API tokens (SPEC §8): 40 alphanumerics, returned once as `key`, stored as SHA-256.
// People manage their own tokens; admins manage everyone's.

export interface TokenRecord extends BaseRecord {
  user: Ref;
  write_enabled: boolean;
  expires: Date | null;
  last_used: Date | null;
  description: string;
  created: Date;
}

export const tokenCreateSchema = z.strictObject({
  user: zRefId.optional(),
  write_enabled: z.boolean("Expected a boolean.").optional(),
  expires: z
    .union([z.iso.datetime({ offset: true }), z.iso.date()], "Enter a valid date/time (ISO 8601).")
    .nullable()
    .optional(),
  description: z.string("Enter text.").max(200, "Ensure this field has no more than 200 characters.").optional(),
});

export const tokenListSpec: ListSpec = {
  id: apiTokens.id,
  filters: {
    id: { expr: apiTokens.id, kind: "int" },
    user_id: { expr: apiTokens.userId, kind: "fk" },
    write_enabled: { expr: apiTokens.writeEnabled, kind: "bool" },
    expires: { expr: apiTokens.expires, kind: "datetime" },
    description: { expr: apiTokens.description, kind: "string" },
  },
  ordering: { id: apiTokens.id, created: apiTokens.created, expires: apiTokens.expires, last_used: apiTokens.lastUsed },
  defaultOrdering: ["-created"],
  search: [apiTokens.description],
};

export async function loadTokens(db: Executor, ids: number[]): Promise<TokenRecord[]> {
  if (!ids.length) return [];
  const rows = await db
    .select({ t: apiTokens, username: users.username })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(inArray(apiTokens.id, ids));
  return rows.map(({ t, username }) => ({
    id: t.id,
    display: t.description ? `${username}: ${t.description}` : `${username} token #${t.id}`,
    user: { id: t.userId, name: username, display: username },
    write_enabled: t.writeEnabled,
    expires: t.expires,
    last_used: t.lastUsed,
    description: t.description,
    created: t.created,
  }));
}

export function tokenSnapshot(r: TokenRecord): Record<string, unknown> {
  return {
    id: r.id,
    user: r.user.id,
    write_enabled: r.write_enabled,
    expires: iso(r.expires),
    description: r.description,
    created: iso(r.created),
  };
}

/** Non-admins only ever see their own tokens. */
function scope(actor: Actor) {
  return can(actor, "tokens.manage_all") ? undefined : eq(apiTokens.userId, actor.userId ?? -1);
}

export async function listTokens(ctx: ServiceContext, input: ListInput = {}): Promise<Page<TokenRecord>> {
  authorize(ctx.actor, "tokens.read_own");
  const where = and(buildWhere(tokenListSpec, input), scope(ctx.actor));
  const limit = clampLimit(input.limit);
  const offset = Math.max(0, input.offset ?? 0);
  const [totals, idRows] = await Promise.all([
    ctx.db.select({ n: count() }).from(apiTokens).where(where),
    ctx.db.select({ id: apiTokens.id }).from(apiTokens).where(where).orderBy(...buildOrderBy(tokenListSpec, input.ordering)).limit(limit).offset(offset),
  ]);
  const ids = idRows.map((r) => r.id);
  return pageInIdOrder(ids, await loadTokens(ctx.db, ids), Number(totals[0]?.n ?? 0), limit, offset);
}

export async function getToken(ctx: ServiceContext, id: number): Promise<TokenRecord> {
  authorize(ctx.actor, "tokens.read_own");
  const [rec] = isRowId(id) ? await loadTokens(ctx.db, [id]) : [];
  if (!rec || (!can(ctx.actor, "tokens.manage_all") && rec.user.id !== ctx.actor.userId)) throw new NotFoundError("token", id);
  return rec;
}

/** Creates a token and returns its key — the only time the key is ever available. */
export async function createToken(
  ctx: ServiceContext,
  input: unknown,
  opts: { key?: string } = {},
): Promise<{ token: TokenRecord; key: string }> {
  authorize(ctx.actor, "tokens.manage_own");
  const parsed = parseInput(tokenCreateSchema, input);
  let userId = ctx.actor.userId;
  if (parsed.user !== undefined && parsed.user !== ctx.actor.userId) {
    if (!can(ctx.actor, "tokens.manage_all")) throw new AppError("forbidden", "Only admins may create tokens for other users.");
    userId = parsed.user as number;
  }
  if (userId === null) throw new ValidationError({ user: ["Name the user the token belongs to."] });
  const errors: FieldErrors = {};
  const [owner] = await ctx.db.select({ id: users.id }).from(users).where(eq(users.id, userId)).limit(1);
  if (!owner) errors.user = [`Invalid id “${userId}”: no user with this id exists.`];
  const expires = parsed.expires ? new Date(parsed.expires as string) : null;
  if (expires && expires.getTime() <= Date.now()) errors.expires = ["The expiry must be in the future."];
  if (Object.keys(errors).length) throw new ValidationError(errors);
  const key = opts.key ?? generateTokenKey();
  if (!TOKEN_KEY_RE.test(key)) throw new ValidationError({ key: ["A token key is 40 letters and digits."] });
  return withTransaction(ctx, async (tx) => {
    const [row] = await tx.db
      .insert(apiTokens)
      .values({
        userId: userId!,
        keyHash: hashTokenKey(key),
        writeEnabled: (parsed.write_enabled as boolean | undefined) ?? true,
        expires,
        description: (parsed.description as string | undefined) ?? "",
      })
      .returning({ id: apiTokens.id });
    const [token] = await loadTokens(tx.db, [row!.id]);
    await recordChanges(tx, [{ action: "create", objectType: "users.token", objectId: token!.id, repr: token!.display, pre: null, post: tokenSnapshot(token!) }]);
    return { token: token!, key };
  });
}

export async function deleteToken(ctx: ServiceContext, id: number): Promise<void> {
  authorize(ctx.actor, "tokens.manage_own");
  const token = await getToken(ctx, id);
  await withTransaction(ctx, async (tx) => {
    await tx.db.delete(apiTokens).where(eq(apiTokens.id, id));
    invalidateAuthCache();
    await recordChanges(tx, [{ action: "delete", objectType: "users.token", objectId: id, repr: token.display, pre: tokenSnapshot(token), post: null }]);
  });
}

/**
 * Change-log entries for a user's tokens, written before the user is deleted: the database
 * deletes them with the user (on delete cascade), and each is a delete of its own (SPEC §7).
 */
export async function recordTokenDeletesOfUser(ctx: ServiceContext, userId: number): Promise<void> {
  const rows = await ctx.db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.userId, userId)).orderBy(apiTokens.id);
  const recs = await loadTokens(ctx.db, rows.map((r) => r.id));
  await recordChanges(
    ctx,
    recs.map((t) => ({ action: "delete" as const, objectType: "users.token" as const, objectId: t.id, repr: t.display, pre: tokenSnapshot(t), post: null })),
  );
}

/** The actor behind an API key, or null (unknown, expired, or its user inactive). */
export async function authenticateToken(db: Executor, key: string): Promise<Actor | null> {
  if (!TOKEN_KEY_RE.test(key)) return null;
  return cachedActor(`token:${hashTokenKey(key)}`, () => lookupToken(db, key));
}

async function lookupToken(db: Executor, key: string): Promise<{ actor: Actor | null; expires: Date | null }> {
  const [row] = await db
    .select({
      id: apiTokens.id,
      userId: users.id,
      username: users.username,
      role: users.role,
      isActive: users.isActive,
      writeEnabled: apiTokens.writeEnabled,
      expires: apiTokens.expires,
      lastUsed: apiTokens.lastUsed,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.keyHash, hashTokenKey(key)))
    .limit(1);
  if (!row || !row.isActive) return { actor: null, expires: null };
  const now = new Date();
  if (row.expires && row.expires.getTime() <= now.getTime()) return { actor: null, expires: null };
  // NetBox updates last_used at most once a minute; so do we, to keep reads cheap.
  if (!row.lastUsed || now.getTime() - row.lastUsed.getTime() > 60_000) {
    await db
      .update(apiTokens)
      .set({ lastUsed: now })
      .where(and(eq(apiTokens.id, row.id), or(isNull(apiTokens.lastUsed), lt(apiTokens.lastUsed, new Date(now.getTime() - 60_000)))));
  }
  return {
    actor: { kind: "token", userId: row.userId, username: row.username, role: row.role as UserRole, writeEnabled: row.writeEnabled, tokenId: row.id },
    expires: row.expires,
  };
}

/** Whether a token with this key exists (bootstrap idempotency). */
export async function tokenKeyExists(db: Executor, key: string): Promise<boolean> {
  const rows = await db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.keyHash, hashTokenKey(key))).limit(1);
  return rows.length > 0;
}
