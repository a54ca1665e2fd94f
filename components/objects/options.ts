import type { ServiceContext } from "@/lib/services/context";
import { siteService, tenantService } from "@/lib/services/organization";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";
import { pbsServerService, proxmoxEndpointService } from "@/lib/services/proxmox";
import { opt } from "./config";

// Choices for reference fields and filters (all objects of a kind, by name).

const ALL = { limit: 1000, ordering: ["name"] };

export async function siteOptions(ctx: ServiceContext) {
  return opt((await siteService.list(ctx, ALL)).results);
}
export async function tenantOptions(ctx: ServiceContext) {
  return opt((await tenantService.list(ctx, ALL)).results);
}
export async function proxmoxEndpointOptions(ctx: ServiceContext) {
  return opt((await proxmoxEndpointService.list(ctx, ALL)).results);
}
export async function pbsServerOptions(ctx: ServiceContext) {
  return opt((await pbsServerService.list(ctx, ALL)).results);
}
export async function pdmEndpointOptions(ctx: ServiceContext) {
  return opt((await pdmEndpointService.list(ctx, ALL)).results);
}
