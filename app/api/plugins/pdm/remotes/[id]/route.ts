import { crudRoutes } from "@/lib/api/crud-routes";
import { pdmRemoteService } from "@/lib/services/pdm-remotes";

// /api/plugins/pdm/remotes/{id}/ – read, full update (PUT), partial update (PATCH), delete.
export const { GET, PUT, PATCH, DELETE } = crudRoutes("netbox_pdm.pdmremote", pdmRemoteService).detail;
