import { crudRoutes } from "@/lib/api/crud-routes";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";

// /api/plugins/pdm/endpoints/ – list (NetBox envelope, filters, q, ordering, brief) and create.
export const { GET, POST } = crudRoutes("netbox_pdm.pdmendpoint", pdmEndpointService).list;
