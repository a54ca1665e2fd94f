import { crudRoutes } from "@/lib/api/crud-routes";
import { proxmoxEndpointService } from "@/lib/services/proxmox";

// /api/plugins/proxbox/endpoints/{id}/ – read, full update (PUT), partial update (PATCH), delete.
export const { GET, PUT, PATCH, DELETE } = crudRoutes("netbox_proxbox.proxmoxendpoint", proxmoxEndpointService).detail;
