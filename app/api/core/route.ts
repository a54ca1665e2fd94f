import { apiRoot } from "@/lib/api/roots";

// GET /api/core/ – the endpoints below it.
export const GET = apiRoot("/api/core/", ["object-changes/"]);
