import { apiRoot } from "@/lib/api/roots";

// GET /api/users/ – the endpoints below it.
export const GET = apiRoot("/api/users/", ["tokens/", "users/"]);
