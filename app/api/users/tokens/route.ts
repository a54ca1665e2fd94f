import { apiRoute, readJsonBody } from "@/lib/api/handler";
import { jsonResponse } from "@/lib/api/responses";
import { isBrief, paginated, serializeBrief, serializeRecord } from "@/lib/api/serialize";
import { writableBody } from "@/lib/api/write-body";
import { listInputFromSearchParams } from "@/lib/services/list";
import { createToken, listTokens } from "@/lib/services/tokens";

// GET /api/users/tokens/ – the caller's tokens (admins: everyone's).
export const GET = apiRoute("tokens.read_own", async ({ req, ctx, baseUrl }) => {
  const params = req.nextUrl.searchParams;
  const page = await listTokens(ctx, listInputFromSearchParams(params));
  const brief = isBrief(params);
  return jsonResponse(
    paginated(page, req.url, baseUrl, (t) => (brief ? serializeBrief("users.token", t, baseUrl) : serializeRecord("users.token", t, baseUrl))),
  );
});

// POST /api/users/tokens/ – create a token; the key is in this response only.
export const POST = apiRoute("tokens.manage_own", async ({ req, ctx, baseUrl }) => {
  const { token, key } = await createToken(ctx, writableBody("users.token", await readJsonBody(req), ["last_used"]));
  return jsonResponse({ ...serializeRecord("users.token", token, baseUrl), key }, 201);
});
