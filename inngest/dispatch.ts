import { getDb } from "@/db";
import { workflowEngineMode } from "@/env";
import { AppError } from "@/lib/errors";
import { failRun } from "@/lib/sync/workflow";
import { inngest } from "./client";
import { getEmbeddedRunner } from "./embedded-runner";
import { syncRequested } from "./events";

/**
 * Hands a queued run to the workflow engine: the Inngest server when configured (SPEC §4.1),
 * otherwise the embedded runner. Sync now buttons and the API call this; it never runs the sync.
 */
export async function dispatchSyncRun(runId: number): Promise<void> {
  if (workflowEngineMode() === "embedded") {
    getEmbeddedRunner().notify();
    return;
  }
  try {
    await inngest.send(syncRequested.create({ runId }));
  } catch (err) {
    const message = `Could not hand the run to the Inngest server: ${err instanceof Error ? err.message : String(err)}`;
    await failRun(await getDb(), runId, message);
    throw new AppError("upstream_unavailable", message);
  }
}
