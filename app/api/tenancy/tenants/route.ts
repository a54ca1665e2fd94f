import { crudRoutes } from "@/lib/api/crud-routes";
import { tenantService } from "@/lib/services/organization";

// /api/tenancy/tenants/ – list (NetBox envelope, filters, q, ordering, brief) and create.
export const { GET, POST } = crudRoutes("tenancy.tenant", tenantService).list;
