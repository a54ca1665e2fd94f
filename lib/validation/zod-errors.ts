import type { z } from "zod";
import { addFieldError, type FieldErrors } from "@/lib/errors";
import { MSG } from "./fields";

/**
 * zod issues → DRF-style field errors, with the messages NetBox users know. Parse with
 * `{ reportInput: true }` (parseInput does): the input of each issue is what tells a missing
 * field ("This field is required.") from a value of the wrong type ("Expected a string.").
 */
export function zodToFieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  // zod still runs length checks on a value of the wrong type (`[]` for a string fails min(1)
  // too): the type error is the one that explains it.
  const wrongType = new Set(error.issues.filter((i) => i.code === "invalid_type").map((i) => fieldName(i.path)));
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) addFieldError(out, fieldName([...issue.path, key]), "Unknown field.");
      continue;
    }
    const field = issue.path.length ? fieldName(issue.path) : "non_field_errors";
    if (issue.code !== "invalid_type" && wrongType.has(field)) continue;
    addFieldError(out, field, messageFor(issue));
  }
  return out;
}

function fieldName(path: PropertyKey[]): string {
  // Top-level field name; nested paths (list items, node entries) keep their position for clarity.
  return path.map((p) => String(p)).join(".") || "non_field_errors";
}

/** The JSON type of a value, as DRF names it in its messages. */
function jsonType(v: unknown): string {
  if (Array.isArray(v)) return "list";
  if (typeof v === "object") return "dict";
  if (typeof v === "string") return "str";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "boolean") return "bool";
  return typeof v;
}

/** DRF's wording for a value of the wrong JSON type. */
function wrongTypeMessage(expected: string, input: unknown): string {
  switch (expected) {
    case "string":
      return "Expected a string.";
    case "boolean":
      return "Must be a valid boolean.";
    case "int":
      return "A valid integer is required.";
    case "number":
      return "A valid number is required.";
    case "array":
      return `Expected a list of items but got type "${jsonType(input)}".`;
    case "object":
      return `Expected a dictionary of items but got type "${jsonType(input)}".`;
    default:
      return `Expected a value of type ${expected}.`;
  }
}

/** zod's own wording ("Invalid input: expected string, received number"): never shown as is. */
const ZOD_DEFAULT = /^Invalid (input|option)\b/;

/** Issues about the value as a whole (its type or choice), where missing and null get DRF's words. */
const VALUE_ISSUES = new Set(["invalid_type", "invalid_value", "invalid_union"]);

function messageFor(issue: z.core.$ZodIssue): string {
  if (!VALUE_ISSUES.has(issue.code)) return issue.message;
  const input = (issue as { input?: unknown }).input;
  if (input === undefined) return MSG.required;
  if (input === null) return "This field may not be null.";
  if (issue.code !== "invalid_type") return issue.message;
  // A boolean has nothing more to explain; elsewhere a schema's own wording ("Enter a whole number
  // between 1 and 65535.") beats the generic one, except where it only meant "missing".
  if (issue.expected === "boolean" || issue.message === MSG.required || ZOD_DEFAULT.test(issue.message)) {
    return wrongTypeMessage(issue.expected, input);
  }
  return issue.message;
}
