import { apiRoute } from "@/lib/api/handler";
import { jsonResponse } from "@/lib/api/responses";

// GET /api/ – the API roots, NetBox style, with the API-Version header.
export const GET = apiRoute("inventory.read", async ({ baseUrl }) =>
  jsonResponse({
    core: `${baseUrl}/api/core/`,
    dcim: `${baseUrl}/api/dcim/`,
    plugins: `${baseUrl}/api/plugins/`,
    status: `${baseUrl}/api/status/`,
    tenancy: `${baseUrl}/api/tenancy/`,
    users: `${baseUrl}/api/users/`,
    schema: `${baseUrl}/api/schema/`,
  }),
);
