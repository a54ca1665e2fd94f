import { crudRoutes } from "@/lib/api/crud-routes";
import { proxmoxEndpointService } from "@/lib/services/proxmox";

// /api/plugins/proxbox/endpoints/ – list (NetBox envelope, filters, q, ordering, brief) and create.
export const { GET, POST } = crudRoutes("netbox_proxbox.proxmoxendpoint", proxmoxEndpointService).list;
