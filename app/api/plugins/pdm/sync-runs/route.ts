import { dispatchSyncRun } from "@/inngest/dispatch";
import { apiRoute, readOptionalJsonBody } from "@/lib/api/handler";
import { jsonResponse } from "@/lib/api/responses";
import { isBrief, paginated, serializeBrief, serializeRecord } from "@/lib/api/serialize";
import { listInputFromSearchParams } from "@/lib/services/list";
import { createSyncRun, getSyncRun, listSyncRuns } from "@/lib/services/sync-runs";

// GET /api/plugins/pdm/sync-runs/ – runs, newest first.
export const GET = apiRoute("inventory.read", async ({ req, ctx, baseUrl }) => {
  const params = req.nextUrl.searchParams;
  const page = await listSyncRuns(ctx, listInputFromSearchParams(params));
  const brief = isBrief(params);
  return jsonResponse(
    paginated(page, req.url, baseUrl, (r) => (brief ? serializeBrief("netbox_pdm.syncrun", r, baseUrl) : serializeRecord("netbox_pdm.syncrun", r, baseUrl))),
  );
});

// POST /api/plugins/pdm/sync-runs/ – {"endpoints": [ids]} optional; 202 with the queued run.
export const POST = apiRoute("sync.run", async ({ req, ctx, baseUrl }) => {
  const run = await createSyncRun(ctx, await readOptionalJsonBody(req), "api");
  await dispatchSyncRun(run.id);
  return jsonResponse(serializeRecord("netbox_pdm.syncrun", await getSyncRun(ctx, run.id), baseUrl), 202);
});
