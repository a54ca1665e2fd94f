import type { Permission } from "@/lib/auth/permissions";
import { OBJECT_TYPES, type ObjectType } from "@/lib/object-types";

// The object kinds the UI lists, shows and edits, with their NetBox URLs. Client-safe: metadata
// only (the services behind them are mapped in app/(app)/object-services.ts).

export const KINDS = {
  "pdm-endpoint": { objectType: "netbox_pdm.pdmendpoint", write: "inventory.write", canAdd: true, nameField: "name" },
  "pdm-remote": { objectType: "netbox_pdm.pdmremote", write: "inventory.write", canAdd: false, nameField: "name" },
  site: { objectType: "dcim.site", write: "inventory.write", canAdd: true, nameField: "name" },
  tenant: { objectType: "tenancy.tenant", write: "inventory.write", canAdd: true, nameField: "name" },
  "proxmox-endpoint": { objectType: "netbox_proxbox.proxmoxendpoint", write: "inventory.write", canAdd: true, nameField: "name" },
  "pbs-server": { objectType: "netbox_pbs.pbsserver", write: "inventory.write", canAdd: true, nameField: "name" },
  user: { objectType: "users.user", write: "users.manage", canAdd: true, nameField: "username" },
} as const satisfies Record<string, { objectType: ObjectType; write: Permission; canAdd: boolean; nameField: string }>;

export type Kind = keyof typeof KINDS;

export function kindInfo(kind: Kind) {
  const k = KINDS[kind];
  const t = OBJECT_TYPES[k.objectType];
  return { ...k, label: t.label, plural: t.plural, path: t.uiPath };
}

/** The UI page of any object by type and id (for links from references and the change log). */
export function uiUrl(type: ObjectType, id: number | string): string {
  // The settings are one object with one page; tokens are managed on their list.
  if (type === "netbox_pdm.pdmsettings" || type === "users.token") return OBJECT_TYPES[type].uiPath;
  return `${OBJECT_TYPES[type].uiPath}${id}/`;
}

/** An object's change log, which outlives the object (the link for objects deleted since). */
export function changelogUrl(type: string, id: number): string {
  return `/core/changelog/?changed_object_type=${encodeURIComponent(type)}&changed_object_id=${id}`;
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
