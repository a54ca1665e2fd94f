import type { Permission } from "@/lib/auth/permissions";

// The navigation of SPEC §9. An entry appears only once its page exists (`ready`), and only to
// roles that may use it.

export interface NavItem {
  label: string;
  href: string;
  ready: boolean;
  permission?: Permission;
  /** A "+" shortcut next to the item (NetBox's Add buttons). */
  addHref?: string;
  addPermission?: Permission;
}

export interface NavGroup {
  label: string;
  items: NavItem[];
}

export interface NavMenu {
  label: string;
  groups: NavGroup[];
}

export const NAV: NavMenu[] = [
  {
    label: "PDM",
    groups: [
      {
        label: "Inventory",
        items: [
          { label: "PDM Endpoints", href: "/plugins/pdm/endpoints/", ready: true, addHref: "/plugins/pdm/endpoints/add/", addPermission: "inventory.write" },
          { label: "PDM Remotes", href: "/plugins/pdm/remotes/", ready: true },
        ],
      },
      {
        label: "Sync",
        items: [
          { label: "Sync Runs", href: "/plugins/pdm/sync-runs/", ready: true },
          { label: "Branches", href: "/plugins/pdm/branches/", ready: true },
        ],
      },
      { label: "Settings", items: [{ label: "Plugin Settings", href: "/plugins/pdm/settings/", ready: true }] },
    ],
  },
  {
    label: "Organization",
    groups: [
      {
        label: "Organization",
        items: [
          { label: "Sites", href: "/dcim/sites/", ready: true, addHref: "/dcim/sites/add/", addPermission: "inventory.write" },
          { label: "Tenants", href: "/tenancy/tenants/", ready: true, addHref: "/tenancy/tenants/add/", addPermission: "inventory.write" },
        ],
      },
    ],
  },
  {
    label: "Proxmox",
    groups: [
      {
        label: "Proxmox",
        items: [
          { label: "Proxmox Endpoints", href: "/plugins/proxbox/endpoints/", ready: true, addHref: "/plugins/proxbox/endpoints/add/", addPermission: "inventory.write" },
          { label: "PBS Servers", href: "/plugins/pbs/servers/", ready: true, addHref: "/plugins/pbs/servers/add/", addPermission: "inventory.write" },
        ],
      },
    ],
  },
  {
    label: "Admin",
    groups: [
      {
        label: "Access",
        items: [
          { label: "Users", href: "/users/users/", ready: true, permission: "users.manage" },
          { label: "API Tokens", href: "/users/tokens/", ready: true },
        ],
      },
      { label: "Logging", items: [{ label: "Change Log", href: "/core/changelog/", ready: true }] },
    ],
  },
];

