import type { Permission } from "@/lib/auth/permissions";

// The object registry: every object type the app knows, declared once, with NetBox-style
// identifiers (`app_label.model`, as the change log's `changed_object_type` uses them). Everything
// else that is per type is derived from these entries: the REST routes and API roots
// (lib/api/routes.ts), the OpenAPI document, the serializers' reference tables, the UI's generic
// pages and actions (`kind`), the navigation, and the table-driven tests. A type's behaviour is its
// service (lib/services/registry.ts) and its UI config (components/objects/registry.ts).
// Client-safe: data only.

export interface ObjectTypeSpec {
  label: string;
  plural: string;
  /** Its REST list endpoint (detail: `${apiPath}${id}/`). */
  apiPath: string;
  /** Its UI list page (detail: `${uiPath}${id}/`, unless detailPages is false). */
  uiPath: string;
  /** Served by the generic CRUD routes, pages and actions under this slug. */
  kind?: string;
  /** Whether each object has a page of its own (the settings singleton and tokens do not). */
  detailPages?: boolean;
  /** An Add button (the UI creates it; remotes come from sync). */
  canAdd?: boolean;
  /** The field a person knows it by (forms, confirmations). */
  nameField?: string;
  /** Reference fields and the type they point to: ids on write, brief objects on read. */
  references?: Record<string, string>;
  /** Who may read and write it (default: INVENTORY_PERMISSIONS). */
  permissions?: { read: Permission; write: Permission };
  /** Its entry in the navigation (SPEC §9), by menu and group (see NAV_MENUS). */
  nav?: { menu: string; group: string; label: string; permission?: Permission };
}

/** Who may read and write an inventory object: viewers read, editors write (SPEC §8). */
export const INVENTORY_PERMISSIONS = { read: "inventory.read", write: "inventory.write" } as const satisfies { read: Permission; write: Permission };

const SITE_TENANT = { site: "dcim.site", tenant: "tenancy.tenant" } as const;

export const OBJECT_TYPES = {
  "netbox_pdm.pdmendpoint": {
    label: "PDM endpoint",
    plural: "PDM endpoints",
    apiPath: "/api/plugins/pdm/endpoints/",
    uiPath: "/plugins/pdm/endpoints/",
    kind: "pdm-endpoint",
    canAdd: true,
    nameField: "name",
    references: { ...SITE_TENANT, proxmox_endpoints: "netbox_proxbox.proxmoxendpoint", pbs_servers: "netbox_pbs.pbsserver" },
    nav: { menu: "PDM", group: "Inventory", label: "PDM Endpoints" },
  },
  "netbox_pdm.pdmremote": {
    label: "PDM remote",
    plural: "PDM remotes",
    apiPath: "/api/plugins/pdm/remotes/",
    uiPath: "/plugins/pdm/remotes/",
    kind: "pdm-remote",
    nameField: "name",
    references: { pdm_endpoint: "netbox_pdm.pdmendpoint", linked_proxmox_endpoint: "netbox_proxbox.proxmoxendpoint", linked_pbs_server: "netbox_pbs.pbsserver" },
    nav: { menu: "PDM", group: "Inventory", label: "PDM Remotes" },
  },
  "netbox_pdm.syncrun": {
    label: "sync run",
    plural: "sync runs",
    apiPath: "/api/plugins/pdm/sync-runs/",
    uiPath: "/plugins/pdm/sync-runs/",
    references: { requested_by: "users.user" },
    nav: { menu: "PDM", group: "Sync", label: "Sync Runs" },
  },
  "netbox_pdm.branch": {
    label: "branch",
    plural: "branches",
    apiPath: "/api/plugins/pdm/branches/",
    uiPath: "/plugins/pdm/branches/",
    nav: { menu: "PDM", group: "Sync", label: "Branches" },
  },
  "netbox_pdm.pdmsettings": {
    label: "plugin settings",
    plural: "plugin settings",
    apiPath: "/api/plugins/pdm/settings/",
    uiPath: "/plugins/pdm/settings/",
    detailPages: false,
    permissions: { read: "inventory.read", write: "settings.write" },
    nav: { menu: "PDM", group: "Settings", label: "Plugin Settings" },
  },
  "dcim.site": {
    label: "site",
    plural: "sites",
    apiPath: "/api/dcim/sites/",
    uiPath: "/dcim/sites/",
    kind: "site",
    canAdd: true,
    nameField: "name",
    nav: { menu: "Organization", group: "Organization", label: "Sites" },
  },
  "tenancy.tenant": {
    label: "tenant",
    plural: "tenants",
    apiPath: "/api/tenancy/tenants/",
    uiPath: "/tenancy/tenants/",
    kind: "tenant",
    canAdd: true,
    nameField: "name",
    nav: { menu: "Organization", group: "Organization", label: "Tenants" },
  },
  "netbox_proxbox.proxmoxendpoint": {
    label: "Proxmox endpoint",
    plural: "Proxmox endpoints",
    apiPath: "/api/plugins/proxbox/endpoints/",
    uiPath: "/plugins/proxbox/endpoints/",
    kind: "proxmox-endpoint",
    canAdd: true,
    nameField: "name",
    references: SITE_TENANT,
    nav: { menu: "Proxmox", group: "Proxmox", label: "Proxmox Endpoints" },
  },
  "netbox_pbs.pbsserver": {
    label: "PBS server",
    plural: "PBS servers",
    apiPath: "/api/plugins/pbs/servers/",
    uiPath: "/plugins/pbs/servers/",
    kind: "pbs-server",
    canAdd: true,
    nameField: "name",
    references: SITE_TENANT,
    nav: { menu: "Proxmox", group: "Proxmox", label: "PBS Servers" },
  },
  "users.user": {
    label: "user",
    plural: "users",
    apiPath: "/api/users/users/",
    uiPath: "/users/users/",
    kind: "user",
    canAdd: true,
    nameField: "username",
    permissions: { read: "users.read", write: "users.manage" },
    nav: { menu: "Admin", group: "Access", label: "Users", permission: "users.manage" },
  },
  "users.token": {
    label: "API token",
    plural: "API tokens",
    apiPath: "/api/users/tokens/",
    uiPath: "/users/tokens/",
    detailPages: false,
    references: { user: "users.user" },
    permissions: { read: "tokens.read_own", write: "tokens.manage_own" },
    nav: { menu: "Admin", group: "Access", label: "API Tokens" },
  },
  "core.objectchange": {
    label: "change",
    plural: "changes",
    apiPath: "/api/core/object-changes/",
    uiPath: "/core/changelog/",
    references: { user: "users.user" },
    nav: { menu: "Admin", group: "Logging", label: "Change Log" },
  },
} as const satisfies Record<string, ObjectTypeSpec>;

export type ObjectType = keyof typeof OBJECT_TYPES;

/** The menus and their groups, in order (SPEC §9); entries come from the types' `nav`. */
export const NAV_MENUS = [
  { menu: "PDM", groups: ["Inventory", "Sync", "Settings"] },
  { menu: "Organization", groups: ["Organization"] },
  { menu: "Proxmox", groups: ["Proxmox"] },
  { menu: "Admin", groups: ["Access", "Logging"] },
] as const;

export function isObjectType(s: string): s is ObjectType {
  return Object.prototype.hasOwnProperty.call(OBJECT_TYPES, s);
}

/** A type's entry, with the defaults filled in. */
export function objectType(type: ObjectType) {
  const t: ObjectTypeSpec = OBJECT_TYPES[type];
  return {
    ...t,
    type,
    detailPages: t.detailPages ?? true,
    canAdd: t.canAdd ?? false,
    nameField: t.nameField ?? "name",
    references: (t.references ?? {}) as Record<string, ObjectType>,
    permissions: t.permissions ?? INVENTORY_PERMISSIONS,
  };
}

/** Which fields of a type hold references, and to what type. */
export function referenceFields(type: ObjectType): Record<string, ObjectType> {
  return (OBJECT_TYPES[type] as ObjectTypeSpec).references as Record<string, ObjectType> | undefined ?? {};
}

type KindOf<T> = T extends { kind: infer K extends string } ? K : never;
/** The slugs of the types the generic CRUD routes, pages and actions serve. */
export type Kind = { [T in ObjectType]: KindOf<(typeof OBJECT_TYPES)[T]> }[ObjectType];

export const KIND_TYPES = Object.fromEntries(
  (Object.keys(OBJECT_TYPES) as ObjectType[]).flatMap((t) => {
    const kind = (OBJECT_TYPES[t] as ObjectTypeSpec).kind;
    return kind ? [[kind, t]] : [];
  }),
) as Record<Kind, ObjectType>;

export function isKind(s: string): s is Kind {
  return Object.prototype.hasOwnProperty.call(KIND_TYPES, s);
}
