import { apiRoute } from "@/lib/api/handler";
import { jsonResponse } from "@/lib/api/responses";
import { serializeBranch } from "@/lib/api/serialize-branches";
import { branchDiff } from "@/lib/services/branches";

// GET /api/plugins/pdm/branches/{name}/ – the branch with its diff: per object base / branch /
// current-main values, changed and conflicting fields, collisions.
export const GET = apiRoute("inventory.read", async ({ ctx, params, baseUrl }) => {
  const { branch, entries } = await branchDiff(ctx, params.name ?? "");
  return jsonResponse(serializeBranch(branch, baseUrl, entries));
});
