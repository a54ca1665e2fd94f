import { apiRoute, idParam } from "@/lib/api/handler";
import { jsonResponse } from "@/lib/api/responses";
import { serializeObjectChange } from "@/lib/api/serialize-changes";
import { getObjectChange } from "@/lib/services/changelog/queries";

// GET /api/core/object-changes/{id}/ – one change with its before/after data.
export const GET = apiRoute("inventory.read", async ({ ctx, params, baseUrl }) => jsonResponse(serializeObjectChange(await getObjectChange(ctx, idParam(params)), baseUrl)));
