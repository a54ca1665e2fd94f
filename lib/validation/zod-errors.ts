import type { z } from "zod";
import { addFieldError, type FieldErrors } from "@/lib/errors";
import { MSG } from "./fields";

/** zod issues → DRF-style field errors, with the messages NetBox users know. */
export function zodToFieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) addFieldError(out, fieldName([...issue.path, key]), "Unknown field.");
      continue;
    }
    const field = issue.path.length ? fieldName(issue.path) : "non_field_errors";
    addFieldError(out, field, messageFor(issue));
  }
  return out;
}

function fieldName(path: PropertyKey[]): string {
  // Top-level field name; nested paths (list items, node entries) keep their position for clarity.
  return path.map((p) => String(p)).join(".") || "non_field_errors";
}

function messageFor(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && (issue as { input?: unknown }).input === undefined) return MSG.required;
  return issue.message;
}
