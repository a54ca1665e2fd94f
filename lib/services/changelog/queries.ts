import { and, count, eq, inArray, notLike, type SQL } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { z } from "zod";
import { CHANGE_ACTIONS, objectChanges } from "@/db/schema";
import { isObjectType, type ObjectType } from "@/lib/object-types";
import { authorize, can } from "@/lib/auth/permissions";
import { NotFoundError } from "@/lib/errors";
import { isRowId } from "@/lib/validation/fields";
import { buildOrderBy, buildWhere, clampLimit, pageInIdOrder, type ListInput, type ListSpec, type Page } from "../list";
import type { Actor, ServiceContext } from "../context";
import { TYPE_TABLES } from "../tables";

// NetBox's ObjectChange (SPEC §7), read side: the Changelog tabs and /api/core/object-changes/.

/** The read shape of a change (also what /api/schema/ documents). */
export const objectChangeRecordSchema = z.object({
  id: z.number().int(),
  display: z.string(),
  time: z.date(),
  user: z.object({ id: z.number().int(), name: z.string(), display: z.string() }).nullable(),
  user_name: z.string(),
  request_id: z.string(),
  action: z.enum(CHANGE_ACTIONS),
  changed_object_type: z.string(),
  changed_object_id: z.number().int(),
  object_repr: z.string(),
  prechange_data: z.record(z.string(), z.unknown()).nullable(),
  postchange_data: z.record(z.string(), z.unknown()).nullable(),
  sync_run: z.number().int().nullable(),
});
export type ObjectChangeRecord = z.infer<typeof objectChangeRecordSchema>;

export const objectChangeListSpec: ListSpec = {
  id: objectChanges.id,
  filters: {
    id: { expr: objectChanges.id, kind: "int" },
    time: { expr: objectChanges.time, kind: "datetime" },
    user_id: { expr: objectChanges.userId, kind: "fk" },
    user_name: { expr: objectChanges.userName, kind: "string" },
    request_id: { expr: objectChanges.requestId, kind: "uuid" },
    action: { expr: objectChanges.action, kind: "enum", values: CHANGE_ACTIONS },
    changed_object_type: { expr: objectChanges.changedObjectType, kind: "string" },
    changed_object_id: { expr: objectChanges.changedObjectId, kind: "int" },
    object_repr: { expr: objectChanges.objectRepr, kind: "string" },
    sync_run_id: { expr: objectChanges.syncRunId, kind: "fk" },
  },
  ordering: { id: objectChanges.id, time: objectChanges.time, user_name: objectChanges.userName, action: objectChanges.action },
  defaultOrdering: ["-time", "-id"],
  search: [objectChanges.objectRepr, objectChanges.userName],
};

function toRecord(r: typeof objectChanges.$inferSelect): ObjectChangeRecord {
  return {
    id: r.id,
    display: `${r.objectRepr} ${r.action}d by ${r.userName}`,
    time: r.time,
    user: r.userId === null ? null : { id: r.userId, name: r.userName, display: r.userName },
    user_name: r.userName,
    request_id: r.requestId,
    action: r.action,
    changed_object_type: r.changedObjectType,
    changed_object_id: r.changedObjectId,
    object_repr: r.objectRepr,
    prechange_data: r.prechangeData ?? null,
    postchange_data: r.postchangeData ?? null,
    sync_run: r.syncRunId,
  };
}

async function load(db: Executor, ids: number[]): Promise<ObjectChangeRecord[]> {
  if (!ids.length) return [];
  const rows = await db.select().from(objectChanges).where(inArray(objectChanges.id, ids));
  return rows.map(toRecord);
}

/**
 * What of the change log `actor` may see: the changes to users and tokens (who exists, their
 * roles, who holds which token with what rights) only with users.read, as /api/users/users/ is
 * admin-only (issue 17). Undefined: everything.
 */
function visibleTo(actor: Actor): SQL | undefined {
  return can(actor, "users.read") ? undefined : notLike(objectChanges.changedObjectType, "users.%");
}

export async function listObjectChanges(ctx: ServiceContext, input: ListInput = {}): Promise<Page<ObjectChangeRecord>> {
  authorize(ctx.actor, "inventory.read");
  const where = and(buildWhere(objectChangeListSpec, input), visibleTo(ctx.actor));
  const limit = clampLimit(input.limit);
  const offset = Math.max(0, input.offset ?? 0);
  const [totals, idRows] = await Promise.all([
    ctx.db.select({ n: count() }).from(objectChanges).where(where),
    ctx.db
      .select({ id: objectChanges.id })
      .from(objectChanges)
      .where(where)
      .orderBy(...buildOrderBy(objectChangeListSpec, input.ordering))
      .limit(limit)
      .offset(offset),
  ]);
  const ids = idRows.map((r) => r.id);
  return pageInIdOrder(ids, await load(ctx.db, ids), Number(totals[0]?.n ?? 0), limit, offset);
}

export async function getObjectChange(ctx: ServiceContext, id: number): Promise<ObjectChangeRecord> {
  authorize(ctx.actor, "inventory.read");
  const [rec] = isRowId(id) ? await load(ctx.db, [id]) : [];
  // A change the actor may not see does not exist for them.
  if (!rec || (!can(ctx.actor, "users.read") && rec.changed_object_type.startsWith("users."))) throw new NotFoundError("change", id);
  return rec;
}

/** Whether sync run `runId` recorded any change (one indexed row read). */
export async function runRecordedChanges(db: Executor, runId: number): Promise<boolean> {
  const rows = await db.select({ id: objectChanges.id }).from(objectChanges).where(eq(objectChanges.syncRunId, runId)).limit(1);
  return rows.length > 0;
}


/**
 * Which of these changes' objects still exist ("type:id") and have a page the actor may open, so
 * the UI links those to their pages and the others (deleted since) to their change log instead of
 * to a page that is gone.
 */
export async function existingChangedObjects(ctx: ServiceContext, changes: Pick<ObjectChangeRecord, "changed_object_type" | "changed_object_id">[]): Promise<Set<string>> {
  authorize(ctx.actor, "inventory.read");
  const byType = new Map<ObjectType, Set<number>>();
  for (const c of changes) {
    const t = c.changed_object_type as ObjectType;
    if (!isObjectType(t)) continue;
    // Users' pages are for admins: for anyone else a user is only in the change log.
    if (t === "users.user" && !can(ctx.actor, "users.read")) continue;
    byType.set(t, (byType.get(t) ?? new Set()).add(c.changed_object_id));
  }
  const out = new Set<string>();
  await Promise.all(
    [...byType].map(async ([type, ids]) => {
      const { table, id } = TYPE_TABLES[type];
      const rows = await ctx.db.select({ id }).from(table).where(inArray(id, [...ids].filter(isRowId)));
      for (const r of rows) out.add(`${type}:${r.id as number}`);
    }),
  );
  return out;
}
