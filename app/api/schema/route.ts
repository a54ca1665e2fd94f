import { apiRoute } from "@/lib/api/handler";
import { buildOpenApiDocument } from "@/lib/api/openapi";
import { jsonResponse } from "@/lib/api/responses";

// GET /api/schema/ – the OpenAPI 3 document, generated from the services' zod schemas.
export const GET = apiRoute("inventory.read", async ({ baseUrl }) => jsonResponse(buildOpenApiDocument(baseUrl)));
