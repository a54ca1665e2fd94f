import { randomUUID } from "node:crypto";
import type { Db, Executor } from "@/db/client";
import type { UserRole } from "@/db/schema";

/** Who is acting: a person, a person's API token, a sync run, or the system itself. */
export interface Actor {
  kind: "user" | "token" | "sync" | "system";
  userId: number | null;
  username: string;
  role: UserRole;
  /** API tokens: whether the token may write (SPEC §8). */
  writeEnabled: boolean;
  tokenId?: number;
}

export interface ServiceContext {
  db: Executor;
  actor: Actor;
  /** Ties the change-log entries of one request or run together (SPEC §7). */
  requestId: string;
  /** Set when a sync run makes the change. */
  syncRunId?: number | null;
  /** True inside withTransaction: nested calls join the open transaction. */
  inTransaction?: boolean;
  /** Inside a transaction: what runs once it has committed (cache invalidation). */
  afterCommit?: (() => void)[];
}

export const SYSTEM_ACTOR: Actor = { kind: "system", userId: null, username: "system", role: "admin", writeEnabled: true };

export function createContext(db: Executor, actor: Actor, opts: { requestId?: string; syncRunId?: number | null } = {}): ServiceContext {
  return { db, actor, requestId: opts.requestId ?? randomUUID(), syncRunId: opts.syncRunId ?? null };
}

/** Runs `fn` in a transaction, joining the caller's if one is already open. */
export async function withTransaction<T>(ctx: ServiceContext, fn: (tx: ServiceContext) => Promise<T>): Promise<T> {
  if (ctx.inTransaction) return fn(ctx);
  const afterCommit: (() => void)[] = [];
  const result = await (ctx.db as Db).transaction(async (tx) => fn({ ...ctx, db: tx, inTransaction: true, afterCommit }));
  for (const f of afterCommit) f();
  return result;
}

/**
 * Runs `f` once the caller's transaction has committed (at once outside one): a cache cleared
 * before the commit could be filled again with the old rows by a concurrent reader.
 */
export function onCommit(ctx: ServiceContext, f: () => void): void {
  if (ctx.afterCommit) ctx.afterCommit.push(f);
  else f();
}
