import { apiRoot } from "@/lib/api/roots";

// GET /api/plugins/pdm/ – the endpoints below it.
export const GET = apiRoot("/api/plugins/pdm/", ["endpoints/", "remotes/", "settings/", "sync-runs/", "branches/"]);
