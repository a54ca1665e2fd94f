import { crudRoutes } from "@/lib/api/crud-routes";
import { pbsServerService } from "@/lib/services/proxmox";

// /api/plugins/pbs/servers/ – list (NetBox envelope, filters, q, ordering, brief) and create.
export const { GET, POST } = crudRoutes("netbox_pbs.pbsserver", pbsServerService).list;
