import { apiRoot } from "@/lib/api/roots";

// GET /api/plugins/ – the endpoints below it.
export const GET = apiRoot("/api/plugins/", ["pdm/", "proxbox/", "pbs/"]);
