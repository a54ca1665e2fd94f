import { apiRoute, idParam } from "@/lib/api/handler";
import { jsonResponse } from "@/lib/api/responses";
import { serializeRecord } from "@/lib/api/serialize";
import { getSyncRun } from "@/lib/services/sync-runs";

// GET /api/plugins/pdm/sync-runs/{id}/ – per-endpoint outcome, counts, steps, errors, progress.
export const GET = apiRoute("inventory.read", async ({ ctx, params, baseUrl }) =>
  jsonResponse(serializeRecord("netbox_pdm.syncrun", await getSyncRun(ctx, idParam(params)), baseUrl)),
);
