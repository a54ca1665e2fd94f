import { apiRoute, readOptionalJsonBody } from "@/lib/api/handler";
import { jsonResponse } from "@/lib/api/responses";
import { serializeBranch } from "@/lib/api/serialize-branches";
import { discardBranch } from "@/lib/services/branches";

// POST /api/plugins/pdm/branches/{name}/discard/ – 200 with the discarded branch.
export const POST = apiRoute("branch.merge", async ({ req, ctx, params, baseUrl }) => {
  await readOptionalJsonBody(req); // a body, if any, must still be JSON
  return jsonResponse(serializeBranch(await discardBranch(ctx, params.name ?? ""), baseUrl));
});
