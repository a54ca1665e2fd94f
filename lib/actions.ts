import { unstable_rethrow } from "next/navigation";
import { isAppError, type FieldErrors } from "@/lib/errors";
import { log } from "@/lib/log";

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
