import { crudRoutes } from "@/lib/api/crud-routes";
import { pbsServerService } from "@/lib/services/proxmox";

// /api/plugins/pbs/servers/{id}/ – read, full update (PUT), partial update (PATCH), delete.
export const { GET, PUT, PATCH, DELETE } = crudRoutes("netbox_pbs.pbsserver", pbsServerService).detail;
