import { crudRoutes } from "@/lib/api/crud-routes";
import { tenantService } from "@/lib/services/organization";

// /api/tenancy/tenants/{id}/ – read, full update (PUT), partial update (PATCH), delete.
export const { GET, PUT, PATCH, DELETE } = crudRoutes("tenancy.tenant", tenantService).detail;
