import { apiRoute, idParam } from "@/lib/api/handler";
import { jsonResponse } from "@/lib/api/responses";
import { testPdmEndpointConnection } from "@/lib/services/pdm-endpoints/connection";

// POST /api/plugins/pdm/endpoints/{id}/test/ – {reachable, version, fingerprint, latency_ms, error}.
export const POST = apiRoute("sync.run", async ({ ctx, params }) => jsonResponse(await testPdmEndpointConnection(ctx, idParam(params))));
