import { unstable_rethrow } from "next/navigation";
import { z } from "zod";
import { isAppError, ValidationError, type FieldErrors } from "@/lib/errors";
import { log } from "@/lib/log";
import { isPlainObject } from "@/lib/services/crud";
import { zRefId } from "@/lib/validation/fields";
import { zodToFieldErrors } from "@/lib/validation/zod-errors";

// Server actions return a result, never a raw error (house style rule 15).
export type ActionResult<T = undefined> = { ok: true; data: T } | { ok: false; error: string; fields?: FieldErrors };

export async function runAction<T>(fn: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, data: await fn() };
  } catch (err) {
    // redirect() and notFound() work by throwing; let them through.
    unstable_rethrow(err);
    if (isAppError(err)) {
      return err.code === "validation"
        ? { ok: false, error: "Please correct the errors below.", fields: err.fields }
        : { ok: false, error: err.message };
    }
    log.error("server action failed", { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    return { ok: false, error: "Something went wrong on the server; the error has been logged." };
  }
}

/**
 * A server action's arguments, checked like any request body (issue 17): an action is a public
 * endpoint that anyone with a session can call with any JSON-ish arguments, not only what our
 * forms send. Malformed arguments are field errors, never a crash in the action.
 */
export function actionArgs<T>(schema: z.ZodType<T>, args: unknown): T {
  const parsed = schema.safeParse(args, { reportInput: true });
  if (!parsed.success) throw new ValidationError(zodToFieldErrors(parsed.error));
  return parsed.data;
}

/** The most objects one bulk action may name (a list page shows at most 500). */
export const MAX_BULK_IDS = 1000;

export const zActionId = zRefId;
export const zActionIds = z.array(zRefId, "Expected a list of object ids.").min(1, "Select objects first.").max(MAX_BULK_IDS, `Select at most ${MAX_BULK_IDS} objects at once.`);
/** A form's values: a plain object, passed on as it is; the service's own schema checks each field. */
export const zActionValues = z.custom<Record<string, unknown>>((v) => isPlainObject(v), "Expected the form's values.");
