import { crudRoutes } from "@/lib/api/crud-routes";
import { siteService } from "@/lib/services/organization";

// /api/dcim/sites/{id}/ – read, full update (PUT), partial update (PATCH), delete.
export const { GET, PUT, PATCH, DELETE } = crudRoutes("dcim.site", siteService).detail;
