import { eventType } from "inngest";
import { z } from "zod";

// Every event the app sends (SPEC §4.1). Payloads carry ids only.

/** A sync run was recorded as queued; the workflow executes it. */
export const syncRequested = eventType("pdm/sync.requested", {
  schema: z.object({ runId: z.number().int().positive() }),
});
