import { crudRoutes } from "@/lib/api/crud-routes";
import { pdmRemoteService } from "@/lib/services/pdm-remotes";

// /api/plugins/pdm/remotes/ – list (NetBox envelope, filters, q, ordering, brief) and create.
export const { GET, POST } = crudRoutes("netbox_pdm.pdmremote", pdmRemoteService).list;
