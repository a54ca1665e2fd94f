import Link from "next/link";
import { can } from "@/lib/auth/permissions";
import type { Actor } from "@/lib/services/context";
import { NAV } from "./nav-config";

function visibleMenus(actor: Actor) {
  return NAV.map((menu) => ({
    ...menu,
    groups: menu.groups
      .map((g) => ({ ...g, items: g.items.filter((i) => can(actor, i.permission)) }))
      .filter((g) => g.items.length > 0),
  })).filter((m) => m.groups.length > 0);
}

export function Sidebar({ actor }: { actor: Actor }) {
  const menus = visibleMenus(actor);
  return (
    <nav aria-label="Main" className="space-y-5 px-3 py-4 text-sm">
      {menus.map((menu) => (
        <div key={menu.label}>
          <div className="px-2 text-xs font-semibold uppercase tracking-wider text-brand-100/70">{menu.label}</div>
          {menu.groups.map((group) => (
            <div key={group.label} className="mt-2">
              {group.label !== menu.label && <div className="px-2 text-[11px] font-medium uppercase text-slate-400">{group.label}</div>}
              <ul className="mt-1 space-y-0.5">
                {group.items.map((item) => (
                  <li key={item.href} className="flex items-center">
                    <Link href={item.href} className="flex-1 rounded px-2 py-1.5 text-slate-200 hover:bg-white/10 hover:text-white">
                      {item.label}
                    </Link>
                    {item.addHref && (!item.addPermission || can(actor, item.addPermission)) && (
                      <Link
                        href={item.addHref}
                        aria-label={`Add ${item.label.replace(/s$/, "")}`}
                        title="Add"
                        className="ml-1 rounded px-1.5 py-1 text-xs font-bold text-brand-100 hover:bg-white/10"
                      >
                        +
                      </Link>
                    )}
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </div>
      ))}
    </nav>
  );
}
