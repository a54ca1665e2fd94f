import { apiRoot } from "@/lib/api/roots";

// GET /api/plugins/pbs/ – the endpoints below it.
export const GET = apiRoot("/api/plugins/pbs/", ["servers/"]);
