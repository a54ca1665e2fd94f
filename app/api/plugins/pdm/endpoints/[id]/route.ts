import { crudRoutes } from "@/lib/api/crud-routes";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";

// /api/plugins/pdm/endpoints/{id}/ – read, full update (PUT), partial update (PATCH), delete.
export const { GET, PUT, PATCH, DELETE } = crudRoutes("netbox_pdm.pdmendpoint", pdmEndpointService).detail;
