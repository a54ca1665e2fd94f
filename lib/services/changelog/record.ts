import { bulkInsert } from "@/db/bulk";
import { objectChanges, type ChangeAction, type NewObjectChange } from "@/db/schema";
import { isSecretField } from "@/lib/crypto/secret-fields";
import type { ObjectType } from "@/lib/object-types";
import type { ServiceContext } from "../context";

/**
 * Snapshot fields that move without a change-log entry, by design: a sync's `last_seen_at` is not a
 * change (SPEC §4). Everything else in a snapshot changes only with an entry.
 */
export const VOLATILE_FIELDS: ReadonlySet<string> = new Set(["last_seen_at"]);

/** Secret fields never enter the change log, not even masked (SPEC §7). */
export function stripSecrets(data: Record<string, unknown> | null): Record<string, unknown> | null {
  if (data === null) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) if (!isSecretField(k)) out[k] = v;
  return out;
}

export interface ChangeInput {
  action: ChangeAction;
  objectType: ObjectType;
  objectId: number;
  repr: string;
  pre: Record<string, unknown> | null;
  post: Record<string, unknown> | null;
}

export function actorDisplayName(ctx: ServiceContext): string {
  if (ctx.actor.kind === "sync" && ctx.syncRunId) return `sync run #${ctx.syncRunId}`;
  return ctx.actor.username;
}

export function toChangeRow(ctx: ServiceContext, c: ChangeInput, time = new Date()): NewObjectChange {
  return {
    time,
    userId: ctx.actor.userId,
    userName: actorDisplayName(ctx),
    requestId: ctx.requestId,
    action: c.action,
    changedObjectType: c.objectType,
    changedObjectId: c.objectId,
    objectRepr: c.repr.slice(0, 200),
    prechangeData: stripSecrets(c.pre),
    postchangeData: stripSecrets(c.post),
    syncRunId: ctx.syncRunId ?? null,
  };
}

/** Writes change-log entries on ctx.db — call it inside the transaction of the change itself. */
export async function recordChanges(ctx: ServiceContext, changes: ChangeInput[]): Promise<void> {
  if (changes.length === 0) return;
  const time = new Date();
  const rows = changes.map((c) => toChangeRow(ctx, c, time));
  if (rows.length < 20) await ctx.db.insert(objectChanges).values(rows);
  // Syncs write thousands at once: the bulk path binds one parameter per chunk.
  else await bulkInsert(ctx.db, objectChanges, rows, { returning: false });
}
