import { apiRoute, readOptionalJsonBody } from "@/lib/api/handler";
import { jsonResponse } from "@/lib/api/responses";
import { serializeBranch } from "@/lib/api/serialize-branches";
import { mergeOpenBranch } from "@/lib/services/branches";

// POST /api/plugins/pdm/branches/{name}/merge/ – {"acknowledge_conflicts": bool}: 200 with the
// merged branch, or 409 listing the conflicts when they are not acknowledged.
export const POST = apiRoute("branch.merge", async ({ req, ctx, params, baseUrl }) => {
  const { applied, ...branch } = await mergeOpenBranch(ctx, params.name ?? "", await readOptionalJsonBody(req));
  return jsonResponse({ ...serializeBranch(branch, baseUrl), applied });
});
