import { apiRoot } from "@/lib/api/roots";

// GET /api/dcim/ – the endpoints below it.
export const GET = apiRoot("/api/dcim/", ["sites/"]);
