import { apiRoot } from "@/lib/api/roots";

// GET /api/tenancy/ – the endpoints below it.
export const GET = apiRoot("/api/tenancy/", ["tenants/"]);
