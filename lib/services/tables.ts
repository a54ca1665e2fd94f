import type { AnyPgColumn, PgTable } from "drizzle-orm/pg-core";
import {
  apiTokens,
  branches,
  objectChanges,
  pbsServers,
  pdmEndpoints,
  pdmRemotes,
  pdmSettings,
  proxmoxEndpoints,
  sites,
  syncRuns,
  tenants,
  users,
} from "@/db/schema";
import type { ObjectType } from "@/lib/object-types";

// Where each registered object type's rows live: what generic code needs to check a reference
// (lib/services/crud.ts) or whether a changed object still exists (the change log's links).
export const TYPE_TABLES: Record<ObjectType, { table: PgTable; id: AnyPgColumn }> = {
  "netbox_pdm.pdmendpoint": { table: pdmEndpoints, id: pdmEndpoints.id },
  "netbox_pdm.pdmremote": { table: pdmRemotes, id: pdmRemotes.id },
  "netbox_pdm.pdmsettings": { table: pdmSettings, id: pdmSettings.id },
  "netbox_pdm.syncrun": { table: syncRuns, id: syncRuns.id },
  "netbox_pdm.branch": { table: branches, id: branches.id },
  "dcim.site": { table: sites, id: sites.id },
  "tenancy.tenant": { table: tenants, id: tenants.id },
  "netbox_proxbox.proxmoxendpoint": { table: proxmoxEndpoints, id: proxmoxEndpoints.id },
  "netbox_pbs.pbsserver": { table: pbsServers, id: pbsServers.id },
  "users.user": { table: users, id: users.id },
  "users.token": { table: apiTokens, id: apiTokens.id },
  "core.objectchange": { table: objectChanges, id: objectChanges.id },
};
