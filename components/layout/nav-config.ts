import type { Permission } from "@/lib/auth/permissions";
import { NAV_MENUS, objectType, OBJECT_TYPES, type ObjectType } from "@/lib/object-types";

// The navigation of SPEC §9, derived from the object registry: each type with a `nav` entry is an
// item of its menu and group (in registry order); types the UI can add get NetBox's "+" shortcut.
// Items are shown only to roles that may read them.

export interface NavItem {
  label: string;
  href: string;
  permission: Permission;
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

function itemsOf(menu: string, group: string): NavItem[] {
  return (Object.keys(OBJECT_TYPES) as ObjectType[]).flatMap((type) => {
    const t = objectType(type);
    if (!t.nav || t.nav.menu !== menu || t.nav.group !== group) return [];
    return [
      {
        label: t.nav.label,
        href: t.uiPath,
        permission: t.nav.permission ?? t.permissions.read,
        ...(t.canAdd ? { addHref: `${t.uiPath}add/`, addPermission: t.permissions.write } : {}),
      },
    ];
  });
}

export const NAV: NavMenu[] = NAV_MENUS.map((m) => ({ label: m.menu, groups: m.groups.map((g) => ({ label: g, items: itemsOf(m.menu, g) })) }));
