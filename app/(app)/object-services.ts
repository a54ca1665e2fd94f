import type { BaseRecord, CrudService } from "@/lib/services/crud";
import { siteService, tenantService } from "@/lib/services/organization";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";
import { pdmRemoteService } from "@/lib/services/pdm-remotes";
import { pbsServerService, proxmoxEndpointService } from "@/lib/services/proxmox";
import { userService } from "@/lib/services/users";
import type { Kind } from "@/lib/ui/kinds";

/** The service behind each UI kind (server side only). */
export const SERVICES: Record<Kind, CrudService<BaseRecord>> = {
  "pdm-endpoint": pdmEndpointService as unknown as CrudService<BaseRecord>,
  "pdm-remote": pdmRemoteService as unknown as CrudService<BaseRecord>,
  site: siteService as unknown as CrudService<BaseRecord>,
  tenant: tenantService as unknown as CrudService<BaseRecord>,
  "proxmox-endpoint": proxmoxEndpointService as unknown as CrudService<BaseRecord>,
  "pbs-server": pbsServerService as unknown as CrudService<BaseRecord>,
  user: userService as unknown as CrudService<BaseRecord>,
};
