import { referenceFields, type ObjectType } from "@/lib/object-types";
import { isPlainObject } from "@/lib/services/crud";

// NetBox (DRF) ignores read-only fields in a write body, and accepts a nested object for a
// reference: a client may GET an object, change a field and PUT the whole thing back. This is
// where a write body becomes what the services validate; unknown fields still reach the strict
// schemas, so they stay 400s.

/** Fields every object's read representation carries and no write may set. */
export const COMMON_READ_ONLY = ["id", "url", "display", "created", "last_updated"] as const;

function isReadOnly(key: string, readOnly: readonly string[]): boolean {
  return (COMMON_READ_ONLY as readonly string[]).includes(key) || readOnly.includes(key);
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
/** `readOnly`: the type's fields only in its read representation (its service's `readOnly`). */
export function writableBody(type: ObjectType, body: unknown, readOnly: readonly string[] = []): unknown {
  if (!isPlainObject(body)) return body;
  const refs = referenceFields(type);
  // Object.fromEntries defines own properties, so a "__proto__" key stays a (refused) field.
  return Object.fromEntries(
    Object.entries(body)
      .filter(([k]) => !isReadOnly(k, readOnly))
      .map(([k, v]) => [k, Object.prototype.hasOwnProperty.call(refs, k) ? (Array.isArray(v) ? v.map(refId) : refId(v)) : v]),
  );
}
