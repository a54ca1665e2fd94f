import { and, count, eq, inArray, ne, type SQL } from "drizzle-orm";
import type { AnyPgColumn, PgTable } from "drizzle-orm/pg-core";
import type { z } from "zod";
import type { Executor } from "@/db/client";
import { authorize } from "@/lib/auth/permissions";
import { AppError, NotFoundError, ValidationError, addFieldError, type FieldErrors } from "@/lib/errors";
import { objectType, referenceFields, type ObjectType } from "@/lib/object-types";
import { isRowId } from "@/lib/validation/fields";
import { zodToFieldErrors } from "@/lib/validation/zod-errors";
import { recordChanges, type ChangeInput } from "./changelog/record";
import { onCommit, withTransaction, type ServiceContext } from "./context";
import { invalidateRefCache } from "./refs";
import { TYPE_TABLES } from "./tables";
import { buildOrderBy, buildWhere, clampLimit, type ListInput, type ListSpec, type Page } from "./list";

// The service layer's shared machinery (house style rules 2-3): every object type declares a
// CrudDefinition and gets list / get / create / update / delete with validation as field errors,
// permission checks, and exactly one change-log entry per write in the same transaction.

export interface BaseRecord {
  id: number;
  display: string;
}

type Shape = Record<string, unknown>;
/** A type's write schema: a zod object whose fields are the API's (POST, PUT, PATCH). */
export type WriteSchema = z.ZodObject;
/** What validate and toValues receive: the parsed input, only the fields a write gave (PATCH). */
export type WriteInput<S extends WriteSchema> = Partial<z.output<S>>;

/**
 * A uniqueness rule, declared once: the pre-check that makes a duplicate a field error (SPEC §6)
 * and the translation of its database constraint (a race past the pre-check) both come from it.
 */
export interface UniqueRule {
  field: string;
  column: AnyPgColumn;
  /** Unique within another field's value (a remote's name within its PDM endpoint). */
  scope?: { field: string; column: AnyPgColumn };
  constraint: string;
  message: string;
}

export interface CrudDefinition<R extends BaseRecord, S extends WriteSchema = WriteSchema> {
  objectType: ObjectType;
  table: PgTable;
  idColumn: AnyPgColumn;
  list: ListSpec;
  schemas: {
    /** POST: the whole object; omitted optional fields take `defaults`. */
    create: S;
    /** PUT: validated like create (SPEC §6); may differ for write-only secrets ("absent keeps"). */
    replace: WriteSchema;
    /** PATCH: every field optional. */
    patch: WriteSchema;
  };
  defaults: Shape;
  /** Fields only in the read representation, with their read shape (writes ignore them; OpenAPI documents them). */
  readOnly?: Record<string, z.ZodType>;
  /** Write-only inputs (secrets, passwords): never in a response. */
  writeOnly?: readonly string[];
  unique?: UniqueRule[];
  /** Table rows → full records (with nested refs), same order. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  hydrate(db: Executor, rows: any[]): Promise<R[]>;
  /** The change-log representation: flat fields, references as ids, no secrets. */
  snapshot(rec: R): Record<string, unknown>;
  /** Cross-field and reference checks on the merged state; `current` is null on create. */
  validate?(ctx: ServiceContext, input: WriteInput<S>, current: R | null): Promise<FieldErrors>;
  /** Column values to insert or update from validated input (last_updated is set by the schema). */
  toValues(ctx: ServiceContext, input: WriteInput<S>, current: R | null): Promise<Record<string, unknown>>;
  /** Writes beyond the row itself (many-to-many lists). */
  afterWrite?(ctx: ServiceContext, id: number, input: WriteInput<S>, current: R | null): Promise<void>;
  /** Before a delete: clear references to the object, recording those changes too. */
  beforeDelete?(ctx: ServiceContext, rec: R): Promise<void>;
  /** Objects that reference this type and must be updated (and change-logged) when it is deleted. */
  referencedBy?: () => ReverseRef[];
  /** Other database constraints (checks) → the field error each means; uniques come from `unique`. */
  constraints?: Record<string, { field: string; message: string }>;
}

/**
 * A reference from another type to this one. On delete, the referencing objects are updated
 * (set null / removed from a list) and each gets its own change-log entry (SPEC §2.4).
 */
export interface ReverseRef {
  service: AnyCrudService;
  owners(ctx: ServiceContext, ids: number[]): Promise<number[]>;
  clear(ctx: ServiceContext, ids: number[]): Promise<void>;
}

/** A nullable foreign key column on another table; `key` is the column's property name. */
export function fkReverseRef(
  service: AnyCrudService,
  table: PgTable,
  ownerId: AnyPgColumn,
  column: AnyPgColumn,
  key: string,
  extra: Record<string, unknown> = {},
): ReverseRef {
  return {
    service,
    async owners(ctx, ids) {
      const rows = await ctx.db.select({ id: ownerId }).from(table).where(inArray(column, ids));
      return rows.map((r) => r.id as number);
    },
    async clear(ctx, ids) {
      await ctx.db.update(table).set({ [key]: null, ...extra }).where(inArray(column, ids));
    },
  };
}

/** A row in a many-to-many join table. */
export function m2mReverseRef(
  service: AnyCrudService,
  joinTable: PgTable,
  ownerColumn: AnyPgColumn,
  targetColumn: AnyPgColumn,
): ReverseRef {
  return {
    service,
    async owners(ctx, ids) {
      const rows = await ctx.db.selectDistinct({ id: ownerColumn }).from(joinTable).where(inArray(targetColumn, ids));
      return rows.map((r) => r.id as number);
    },
    async clear(ctx, ids) {
      await ctx.db.delete(joinTable).where(inArray(targetColumn, ids));
    },
  };
}

async function clearReverseRefs(ctx: ServiceContext, refs: ReverseRef[], ids: number[]): Promise<void> {
  for (const ref of refs) {
    const ownerIds = await ref.owners(ctx, ids);
    if (!ownerIds.length) {
      continue;
    }
    const def = ref.service.definition;
    const before = new Map((await ref.service.load(ctx.db, ownerIds)).map((r: BaseRecord) => [r.id, r]));
    await ref.clear(ctx, ids);
    const after = await ref.service.load(ctx.db, ownerIds);
    await recordChanges(
      ctx,
      after.map((rec: BaseRecord) => ({
        action: "update" as const,
        objectType: def.objectType,
        objectId: rec.id,
        repr: rec.display,
        pre: before.has(rec.id) ? def.snapshot(before.get(rec.id)!) : null,
        post: def.snapshot(rec),
      })),
    );
  }
}

export interface CrudService<R extends BaseRecord, S extends WriteSchema = WriteSchema> {
  definition: CrudDefinition<R, S>;
  /** Full records for the given ids, in any order (no permission check: internal use). */
  load(db: Executor, ids: number[]): Promise<R[]>;
  list(ctx: ServiceContext, input?: ListInput): Promise<Page<R>>;
  get(ctx: ServiceContext, id: number): Promise<R | null>;
  getOrThrow(ctx: ServiceContext, id: number): Promise<R>;
  create(ctx: ServiceContext, input: unknown): Promise<R>;
  /** PUT when `partial` is false, PATCH when true. */
  update(ctx: ServiceContext, id: number, input: unknown, opts?: { partial?: boolean }): Promise<R>;
  delete(ctx: ServiceContext, id: number): Promise<void>;
  bulkDelete(ctx: ServiceContext, ids: number[]): Promise<number>;
}

/** Any type's service, as the registry and generic code hold them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCrudService = CrudService<BaseRecord, any>;

/** The most objects one bulk delete may name (issue 17). */
export const MAX_BULK_DELETE = 1000;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** Field paths of strings holding NUL characters, which PostgreSQL cannot store (DRF refuses them too). */
function nulFields(v: unknown, path: string, out: string[]): string[] {
  if (typeof v === "string") {
    if (v.includes("\u0000")) out.push(path || "non_field_errors");
  } else if (Array.isArray(v)) v.forEach((x, i) => nulFields(x, path ? `${path}.${i}` : String(i), out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) nulFields(x, path ? `${path}.${k}` : k, out);
  return out;
}

export function parseInput<T extends Shape>(schema: z.ZodType<T>, input: unknown): T {
  if (!isPlainObject(input)) {
    throw new ValidationError({ non_field_errors: ["Invalid data. Expected a JSON object."] });
  }
  const nul = nulFields(input, "", []);
  if (nul.length) throw new ValidationError(Object.fromEntries(nul.map((f) => [f, ["Null characters are not allowed."]])));
  // reportInput: the error messages tell a missing field from a wrong type by the input.
  const result = schema.safeParse(input, { reportInput: true });
  if (!result.success) throw new ValidationError(zodToFieldErrors(result.error));
  return result.data;
}

/** Postgres errors arrive wrapped (DrizzleQueryError → cause); find the constraint behind one. */
export function pgConstraintError(err: unknown): { code: string; constraint?: string } | null {
  return pgError(err, /^23\d{3}$/);
}

/** A PostgreSQL data exception (class 22: out of range, bad encoding…): bad input, not a server fault. */
export function pgDataError(err: unknown): { code: string } | null {
  return pgError(err, /^22[0-9A-Z]{3}$/);
}

/** PostgreSQL cancelled the statement (statement_timeout): the server was too slow, not the input wrong. */
export function pgStatementTimeout(err: unknown): boolean {
  return pgError(err, /^57014$/) !== null;
}

function pgError(err: unknown, code: RegExp): { code: string; constraint?: string } | null {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    const o = e as { code?: unknown; constraint_name?: unknown; constraint?: unknown; cause?: unknown };
    if (typeof o.code === "string" && code.test(o.code)) {
      const constraint = (o.constraint_name ?? o.constraint) as string | undefined;
      return { code: o.code, constraint };
    }
    e = o.cause;
  }
  return null;
}

function translateDbError(def: { unique?: UniqueRule[]; constraints?: Record<string, { field: string; message: string }> }, err: unknown): never {
  if (pgDataError(err)) throw new ValidationError({ non_field_errors: ["A value is out of range or not valid for its field."] });
  const pg = pgConstraintError(err);
  if (pg) {
    const rule = def.unique?.find((u) => u.constraint === pg.constraint);
    const mapped = rule ?? (pg.constraint ? def.constraints?.[pg.constraint] : undefined);
    if (mapped) throw new ValidationError({ [mapped.field]: [mapped.message] });
    const generic =
      pg.code === "23503"
        ? "A referenced object does not exist (it may just have been deleted)."
        : "This change conflicts with existing data.";
    throw new ValidationError({ non_field_errors: [generic] });
  }
  throw err;
}

/** Fails with a field error when another row already has this value (SPEC: a duplicate name is a field error). */
export async function checkUnique(
  ctx: ServiceContext,
  errors: FieldErrors,
  opts: { table: PgTable; idColumn: AnyPgColumn; where: SQL | undefined; excludeId: number | null; field: string; message: string },
): Promise<void> {
  if (!opts.where) return;
  const cond = opts.excludeId === null ? opts.where : and(opts.where, ne(opts.idColumn, opts.excludeId));
  const rows = await ctx.db.select({ id: opts.idColumn }).from(opts.table).where(cond).limit(1);
  if (rows.length) addFieldError(errors, opts.field, opts.message);
}

/** Fails with a field error when a referenced id does not exist (SPEC §6: `{"site": […]}`, never 404). */
export async function checkRefExists(
  ctx: ServiceContext,
  errors: FieldErrors,
  opts: { table: PgTable; idColumn: AnyPgColumn; id: number | null | undefined; field: string; label: string },
): Promise<void> {
  if (opts.id === null || opts.id === undefined) return;
  const rows = await ctx.db.select({ id: opts.idColumn }).from(opts.table).where(eq(opts.idColumn, opts.id)).limit(1);
  if (!rows.length) addFieldError(errors, opts.field, `Invalid id “${opts.id}”: no ${opts.label} with this id exists.`);
}

export async function checkRefsExist(
  ctx: ServiceContext,
  errors: FieldErrors,
  opts: { table: PgTable; idColumn: AnyPgColumn; ids: number[] | undefined; field: string; label: string },
): Promise<void> {
  if (!opts.ids?.length) return;
  const unique = [...new Set(opts.ids)];
  const rows = await ctx.db.select({ id: opts.idColumn }).from(opts.table).where(inArray(opts.idColumn, unique));
  const found = new Set(rows.map((r) => r.id as number));
  for (const id of unique) {
    if (!found.has(id)) addFieldError(errors, opts.field, `Invalid id “${id}”: no ${opts.label} with this id exists.`);
  }
}

/** A field's value on a record: a reference's id, else the value. */
function recordValue(rec: BaseRecord, field: string): unknown {
  const v = (rec as unknown as Record<string, unknown>)[field];
  return v !== null && typeof v === "object" && "id" in v ? (v as { id: unknown }).id : v;
}

/**
 * Every reference field the write gives (the type's `references`) must name existing objects:
 * otherwise a field error naming the id (SPEC §6: `{"site": […]}`, never 404).
 */
async function checkReferences(ctx: ServiceContext, type: ObjectType, input: Shape, errors: FieldErrors): Promise<void> {
  for (const [field, target] of Object.entries(referenceFields(type))) {
    const v = input[field];
    const ids = Array.isArray(v) ? (v as number[]) : typeof v === "number" ? [v] : [];
    if (!ids.length) continue;
    const { table, id } = TYPE_TABLES[target];
    await checkRefsExist(ctx, errors, { table, idColumn: id, ids, field, label: objectType(target).label });
  }
}

/** The unique rules' pre-checks for a write, on the state it would leave (SPEC §6: a field error). */
async function checkUniqueRules(ctx: ServiceContext, def: CrudDefinition<BaseRecord>, input: Shape, current: BaseRecord | null, errors: FieldErrors): Promise<void> {
  for (const rule of def.unique ?? []) {
    if (errors[rule.field] || (rule.scope && errors[rule.scope.field])) continue;
    const touched = input[rule.field] !== undefined || (rule.scope && input[rule.scope.field] !== undefined);
    if (!touched) continue;
    const value = input[rule.field] ?? (current ? recordValue(current, rule.field) : undefined);
    const scope = rule.scope ? (input[rule.scope.field] ?? (current ? recordValue(current, rule.scope.field) : undefined)) : undefined;
    if (value === undefined || value === null || (rule.scope && (scope === undefined || scope === null))) continue;
    const where = rule.scope ? and(eq(rule.column, value), eq(rule.scope.column, scope)) : eq(rule.column, value);
    await checkUnique(ctx, errors, { table: def.table, idColumn: def.idColumn, where, excludeId: current?.id ?? null, field: rule.field, message: rule.message });
  }
}

export function createCrudService<R extends BaseRecord, S extends WriteSchema>(def: CrudDefinition<R, S>): CrudService<R, S> {
  const { permissions: perms, label } = objectType(def.objectType);
  const generic = def as unknown as CrudDefinition<BaseRecord>;

  async function load(db: Executor, ids: number[]): Promise<R[]> {
    if (!ids.length) return [];
    return def.hydrate(db, await db.select().from(def.table).where(inArray(def.idColumn, ids)));
  }

  async function loadOne(db: Executor, id: number): Promise<R | null> {
    if (!isRowId(id)) return null;
    const [rec] = await load(db, [id]);
    return rec ?? null;
  }

  async function write(ctx: ServiceContext, input: WriteInput<S>, current: R | null): Promise<R> {
    const errors: FieldErrors = {};
    await checkReferences(ctx, def.objectType, input, errors);
    for (const [field, messages] of Object.entries((await def.validate?.(ctx, input, current)) ?? {})) for (const m of messages) addFieldError(errors, field, m);
    await checkUniqueRules(ctx, generic, input, current, errors);
    if (Object.keys(errors).length) throw new ValidationError(errors);
    // Fields the write did not give are left out (a PATCH changes only what it names).
    const values = Object.fromEntries(Object.entries(await def.toValues(ctx, input, current)).filter(([, v]) => v !== undefined));
    let id: number;
    if (current) {
      id = current.id;
      if (Object.keys(values).length) {
        await ctx.db.update(def.table).set(values).where(eq(def.idColumn, id));
      }
    } else {
      const [row] = (await ctx.db.insert(def.table).values(values).returning({ id: def.idColumn })) as { id: number }[];
      id = row!.id;
    }
    await def.afterWrite?.(ctx, id, input, current);
    const rec = await loadOne(ctx.db, id);
    if (!rec) throw new AppError("internal", `${label} ${id} vanished during the write`);
    onCommit(ctx, () => invalidateRefCache(def.table));
    const change: ChangeInput = {
      action: current ? "update" : "create",
      objectType: def.objectType,
      objectId: id,
      repr: rec.display,
      pre: current ? def.snapshot(current) : null,
      post: def.snapshot(rec),
    };
    await recordChanges(ctx, [change]);
    return rec;
  }

  async function guarded<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AppError) throw err;
      return translateDbError(def, err);
    }
  }

  return {
    definition: def,
    load,

    async list(ctx, input = {}) {
      authorize(ctx.actor, perms.read);
      const where = buildWhere(def.list, input);
      const limit = clampLimit(input.limit);
      const offset = Math.max(0, Math.floor(input.offset ?? 0));
      const [rows, totals] = await Promise.all([
        ctx.db.select().from(def.table).where(where).orderBy(...buildOrderBy(def.list, input.ordering)).limit(limit).offset(offset),
        ctx.db.select({ n: count() }).from(def.table).where(where),
      ]);
      return { count: Number(totals[0]?.n ?? 0), limit, offset, results: await def.hydrate(ctx.db, rows) };
    },

    async get(ctx, id) {
      authorize(ctx.actor, perms.read);
      return loadOne(ctx.db, id);
    },

    async getOrThrow(ctx, id) {
      authorize(ctx.actor, perms.read);
      const rec = await loadOne(ctx.db, id);
      if (!rec) throw new NotFoundError(label, id);
      return rec;
    },

    async create(ctx, input) {
      authorize(ctx.actor, perms.write);
      // The one cast: zod's output of a generic schema is opaque to the compiler here.
      const parsed = parseInput(def.schemas.create, isPlainObject(input) ? { ...def.defaults, ...input } : input) as WriteInput<S>;
      return guarded(() => withTransaction(ctx, (tx) => write(tx, parsed, null)));
    },

    async update(ctx, id, input, opts = {}) {
      authorize(ctx.actor, perms.write);
      const schema = opts.partial ? def.schemas.patch : def.schemas.replace;
      const body = !opts.partial && isPlainObject(input) ? { ...def.defaults, ...input } : input;
      // PUT and PATCH schemas have create's fields (PATCH all optional): the same input type.
      const parsed = parseInput(schema, body) as WriteInput<S>;
      return guarded(() =>
        withTransaction(ctx, async (tx) => {
          const current = await loadOne(tx.db, id);
          if (!current) throw new NotFoundError(label, id);
          return write(tx, parsed, current);
        }),
      );
    },

    async delete(ctx, id) {
      authorize(ctx.actor, perms.write);
      await guarded(() =>
        withTransaction(ctx, async (tx) => {
          const current = await loadOne(tx.db, id);
          if (!current) throw new NotFoundError(label, id);
          await def.beforeDelete?.(tx, current);
          await clearReverseRefs(tx, def.referencedBy?.() ?? [], [id]);
          await tx.db.delete(def.table).where(eq(def.idColumn, id));
          onCommit(tx, () => invalidateRefCache(def.table));
          await recordChanges(tx, [
            { action: "delete", objectType: def.objectType, objectId: id, repr: current.display, pre: def.snapshot(current), post: null },
          ]);
        }),
      );
    },

    async bulkDelete(ctx, ids) {
      authorize(ctx.actor, perms.write);
      // Each id is a bound parameter and a change-log entry: 100,000 exceeded the parameter limit.
      if (ids.length > MAX_BULK_DELETE) throw new ValidationError({ non_field_errors: [`Delete at most ${MAX_BULK_DELETE} objects at once.`] });
      const unique = [...new Set(ids)].filter(isRowId);
      if (!unique.length) return 0;
      return guarded(() =>
        withTransaction(ctx, async (tx) => {
          const recs = await load(tx.db, unique);
          if (!recs.length) return 0;
          for (const rec of recs) await def.beforeDelete?.(tx, rec);
          await clearReverseRefs(tx, def.referencedBy?.() ?? [], recs.map((r) => r.id));
          await tx.db.delete(def.table).where(inArray(def.idColumn, recs.map((r) => r.id)));
          onCommit(tx, () => invalidateRefCache(def.table));
          await recordChanges(
            tx,
            recs.map((rec) => ({
              action: "delete" as const,
              objectType: def.objectType,
              objectId: rec.id,
              repr: rec.display,
              pre: def.snapshot(rec),
              post: null,
            })),
          );
          return recs.length;
        }),
      );
    },
  };
}

/** Timestamps as ISO strings in snapshots and API output. */
export function iso(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}
