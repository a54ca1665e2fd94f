"use server";

import { revalidatePath } from "next/cache";
import { dispatchSyncRun } from "@/inngest/dispatch";
import { z } from "zod";
import { actionArgs, runAction, zActionId, zActionIds, type ActionResult } from "@/lib/actions";
import { actionContext } from "@/lib/auth/session";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";
import { testPdmEndpointConnection, type ConnectionTestResult } from "@/lib/services/pdm-endpoints/connection";
import { createSyncRun } from "@/lib/services/sync-runs";

export async function testConnectionAction(id: number): Promise<ActionResult<ConnectionTestResult>> {
  return runAction(async () => testPdmEndpointConnection(await actionContext("sync.run"), actionArgs(z.object({ id: zActionId }), { id }).id));
}

/**
 * "Pin this fingerprint": store what PDM presented as the endpoint's pin. A new pin decides where
 * the stored secret may be sent, so it comes with the secret (the service insists, issue 17).
 */
export async function pinFingerprintAction(id: number, fingerprint: string, tokenSecret: string): Promise<ActionResult> {
  return runAction(async () => {
    // The values themselves are the service's to check (fingerprint format, a blank secret).
    ({ id, fingerprint, tokenSecret } = actionArgs(z.object({ id: zActionId, fingerprint: z.string(), tokenSecret: z.string() }), { id, fingerprint, tokenSecret }));
    const ctx = await actionContext("inventory.write");
    await pdmEndpointService.update(ctx, id, { fingerprint, token_secret: tokenSecret }, { partial: true });
    revalidatePath(`/plugins/pdm/endpoints/${id}/`);
    return undefined;
  });
}

/** Sync now: records a queued run and hands it to the workflow engine; it does not run the sync. */
export async function syncNowAction(endpointIds: number[] | null): Promise<ActionResult<{ runId: number }>> {
  return runAction(async () => {
    ({ endpointIds } = actionArgs(z.object({ endpointIds: zActionIds.nullable() }), { endpointIds }));
    const ctx = await actionContext("sync.run");
    const run = await createSyncRun(ctx, endpointIds ? { endpoints: endpointIds } : {}, "ui");
    await dispatchSyncRun(run.id);
    revalidatePath("/plugins/pdm/sync-runs/");
    return { runId: run.id };
  });
}
