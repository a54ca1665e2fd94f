import { z } from "zod";
import type { ObjectType } from "@/lib/object-types";
import { isPlainObject } from "@/lib/services/crud";
import { REFERENCE_FIELDS } from "./serialize";

// NetBox (DRF) ignores read-only fields in a write body, and accepts a nested object for a
// reference: a client may GET an object, change a field and PUT the whole thing back. This is
// where a write body becomes what the services validate; unknown fields still reach the strict
// schemas, so they stay 400s.

/** Fields every object's read representation carries and no write may set. */
export const COMMON_READ_ONLY = ["id", "url", "display", "created", "last_updated"] as const;

const nullableDate = z.date().nullable();

/** The read-only fields of each type beyond the common ones, with their read shape (for OpenAPI too). */
export const READ_ONLY_FIELDS = {
  "netbox_pdm.pdmendpoint": {
    has_token_secret: z.boolean(),
    version: z.string().nullable(),
    last_seen_at: nullableDate,
    last_error: z.string().nullable(),
    remote_count: z.number().int(),
  },
  "netbox_pdm.pdmremote": { last_seen_at: nullableDate, link_candidates: z.array(z.number().int()) },
  "netbox_pdm.pdmsettings": { has_proxbox_api_key: z.boolean() },
  "users.user": { last_login: nullableDate },
  "users.token": { last_used: nullableDate },
} satisfies Partial<Record<ObjectType, Record<string, z.ZodType>>>;

function isReadOnly(type: ObjectType, key: string): boolean {
  const own = (READ_ONLY_FIELDS as Partial<Record<ObjectType, Record<string, z.ZodType>>>)[type];
  return (COMMON_READ_ONLY as readonly string[]).includes(key) || (own !== undefined && Object.prototype.hasOwnProperty.call(own, key));
}

/**
 * `{"id": 3, …}` (the brief object a GET returned) → 3; its other keys are not consulted. Anything
 * else, `{"id": null}` and `{"name": …}` included, is left for validation to refuse.
 */
function refId(v: unknown): unknown {
  return isPlainObject(v) && typeof v.id === "number" ? v.id : v;
}

/**
 * A write body without the type's read-only fields, with nested reference objects as their ids.
 * Anything but a JSON object is returned as is (the service refuses it with a 400).
 */
export function writableBody(type: ObjectType, body: unknown): unknown {
  if (!isPlainObject(body)) return body;
  const refs = REFERENCE_FIELDS[type] ?? {};
  // Object.fromEntries defines own properties, so a "__proto__" key stays a (refused) field.
  return Object.fromEntries(
    Object.entries(body)
      .filter(([k]) => !isReadOnly(type, k))
      .map(([k, v]) => [k, Object.prototype.hasOwnProperty.call(refs, k) ? (Array.isArray(v) ? v.map(refId) : refId(v)) : v]),
  );
}
