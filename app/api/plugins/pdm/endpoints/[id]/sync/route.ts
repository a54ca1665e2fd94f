import { dispatchSyncRun } from "@/inngest/dispatch";
import { apiRoute, idParam } from "@/lib/api/handler";
import { jsonResponse } from "@/lib/api/responses";
import { serializeRecord } from "@/lib/api/serialize";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";
import { createSyncRun, getSyncRun } from "@/lib/services/sync-runs";

// POST /api/plugins/pdm/endpoints/{id}/sync/ – 202 with the queued run for this endpoint.
export const POST = apiRoute("sync.run", async ({ ctx, params, baseUrl }) => {
  const endpoint = await pdmEndpointService.getOrThrow(ctx, idParam(params));
  const run = await createSyncRun(ctx, { endpoints: [endpoint.id] }, "api");
  await dispatchSyncRun(run.id);
  return jsonResponse(serializeRecord("netbox_pdm.syncrun", await getSyncRun(ctx, run.id), baseUrl), 202);
});
