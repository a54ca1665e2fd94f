import { apiRoute } from "@/lib/api/handler";
import { jsonResponse } from "@/lib/api/responses";
import { isBrief, paginated } from "@/lib/api/serialize";
import { serializeBranch, serializeBranchBrief } from "@/lib/api/serialize-branches";
import { listBranches } from "@/lib/services/branches";
import { listInputFromSearchParams } from "@/lib/services/list";

// GET /api/plugins/pdm/branches/ – sync-run branches (open, merged, discarded), newest first.
export const GET = apiRoute("inventory.read", async ({ req, ctx, baseUrl }) => {
  const params = req.nextUrl.searchParams;
  const page = await listBranches(ctx, listInputFromSearchParams(params));
  const brief = isBrief(params);
  return jsonResponse(paginated(page, req.url, baseUrl, (b) => (brief ? serializeBranchBrief(b, baseUrl) : serializeBranch(b, baseUrl))));
});
