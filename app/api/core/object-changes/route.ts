import { apiRoute } from "@/lib/api/handler";
import { jsonResponse } from "@/lib/api/responses";
import { isBrief, paginated, serializeBrief } from "@/lib/api/serialize";
import { serializeObjectChange } from "@/lib/api/serialize-changes";
import { listObjectChanges } from "@/lib/services/changelog/queries";
import { listInputFromSearchParams } from "@/lib/services/list";

// GET /api/core/object-changes/ – the change log (SPEC §7), filters changed_object_type,
// changed_object_id, action, sync_run_id, user_id, request_id, time.
export const GET = apiRoute("inventory.read", async ({ req, ctx, baseUrl }) => {
  const params = req.nextUrl.searchParams;
  const page = await listObjectChanges(ctx, listInputFromSearchParams(params));
  const brief = isBrief(params);
  return jsonResponse(paginated(page, req.url, baseUrl, (c) => (brief ? serializeBrief("core.objectchange", c, baseUrl) : serializeObjectChange(c, baseUrl))));
});
