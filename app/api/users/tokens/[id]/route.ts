import { apiRoute, idParam } from "@/lib/api/handler";
import { jsonResponse } from "@/lib/api/responses";
import { serializeRecord } from "@/lib/api/serialize";
import { deleteToken, getToken } from "@/lib/services/tokens";

// GET /api/users/tokens/{id}/ – one token (never its key).
export const GET = apiRoute("tokens.read_own", async ({ ctx, params, baseUrl }) =>
  jsonResponse(serializeRecord("users.token", await getToken(ctx, idParam(params)), baseUrl)),
);

// DELETE /api/users/tokens/{id}/ – own tokens; admins any.
export const DELETE = apiRoute("tokens.manage_own", async ({ ctx, params }) => {
  await deleteToken(ctx, idParam(params));
  return jsonResponse(null, 204);
});
