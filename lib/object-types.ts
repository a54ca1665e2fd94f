// Every object type the app knows, with NetBox-style identifiers (`app_label.model`) as used in the
// change log's `changed_object_type`, and where each lives in the API and the UI.
export const OBJECT_TYPES = {
  "netbox_pdm.pdmendpoint": {
    label: "PDM endpoint",
    plural: "PDM endpoints",
    apiPath: "/api/plugins/pdm/endpoints/",
    uiPath: "/plugins/pdm/endpoints/",
  },
  "netbox_pdm.pdmremote": {
    label: "PDM remote",
    plural: "PDM remotes",
    apiPath: "/api/plugins/pdm/remotes/",
    uiPath: "/plugins/pdm/remotes/",
  },
  "netbox_pdm.pdmsettings": {
    label: "Plugin settings",
    plural: "Plugin settings",
    apiPath: "/api/plugins/pdm/settings/",
    uiPath: "/plugins/pdm/settings/",
  },
  "netbox_pdm.syncrun": {
    label: "sync run",
    plural: "sync runs",
    apiPath: "/api/plugins/pdm/sync-runs/",
    uiPath: "/plugins/pdm/sync-runs/",
  },
  "dcim.site": { label: "site", plural: "sites", apiPath: "/api/dcim/sites/", uiPath: "/dcim/sites/" },
  "tenancy.tenant": { label: "tenant", plural: "tenants", apiPath: "/api/tenancy/tenants/", uiPath: "/tenancy/tenants/" },
  "netbox_proxbox.proxmoxendpoint": {
    label: "Proxmox endpoint",
    plural: "Proxmox endpoints",
    apiPath: "/api/plugins/proxbox/endpoints/",
    uiPath: "/plugins/proxbox/endpoints/",
  },
  "netbox_pbs.pbsserver": {
    label: "PBS server",
    plural: "PBS servers",
    apiPath: "/api/plugins/pbs/servers/",
    uiPath: "/plugins/pbs/servers/",
  },
  "users.user": { label: "user", plural: "users", apiPath: "/api/users/users/", uiPath: "/users/users/" },
  "users.token": { label: "API token", plural: "API tokens", apiPath: "/api/users/tokens/", uiPath: "/users/tokens/" },
  "core.objectchange": {
    label: "change",
    plural: "changes",
    apiPath: "/api/core/object-changes/",
    uiPath: "/core/changelog/",
  },
} as const;

export type ObjectType = keyof typeof OBJECT_TYPES;

export function isObjectType(s: string): s is ObjectType {
  return Object.prototype.hasOwnProperty.call(OBJECT_TYPES, s);
}
