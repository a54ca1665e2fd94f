import { apiRoot } from "@/lib/api/roots";

// GET /api/plugins/proxbox/ – the endpoints below it.
export const GET = apiRoot("/api/plugins/proxbox/", ["endpoints/"]);
