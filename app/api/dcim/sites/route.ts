import { crudRoutes } from "@/lib/api/crud-routes";
import { siteService } from "@/lib/services/organization";

// /api/dcim/sites/ – list (NetBox envelope, filters, q, ordering, brief) and create.
export const { GET, POST } = crudRoutes("dcim.site", siteService).list;
