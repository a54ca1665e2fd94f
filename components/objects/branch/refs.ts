import type { BranchDiffEntry } from "@/lib/services/branches";
import type { ServiceContext } from "@/lib/services/context";
import type { CrudService } from "@/lib/services/crud";
import { siteService, tenantService } from "@/lib/services/organization";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";
import { pbsServerService, proxmoxEndpointService } from "@/lib/services/proxmox";
import type { ObjectType } from "@/lib/object-types";
import { REF_FIELDS, type RefNames } from "./values";

// The names behind the ids a diff's reference fields hold, loaded once per page.

const LOADERS: Partial<Record<ObjectType, CrudService<{ id: number; display: string }>>> = {
  "netbox_pdm.pdmendpoint": pdmEndpointService,
  "netbox_proxbox.proxmoxendpoint": proxmoxEndpointService,
  "netbox_pbs.pbsserver": pbsServerService,
  "dcim.site": siteService,
  "tenancy.tenant": tenantService,
};

export async function resolveRefNames(ctx: ServiceContext, values: { field: string; values: unknown[] }[]): Promise<RefNames> {
  const wanted = new Map<ObjectType, Set<number>>();
  for (const { field, values: vs } of values) {
    const type = REF_FIELDS[field];
    if (!type) continue;
    const set = wanted.get(type) ?? new Set<number>();
    for (const v of vs.flatMap((x) => (Array.isArray(x) ? x : [x]))) if (typeof v === "number") set.add(v);
    wanted.set(type, set);
  }
  const names: RefNames = {};
  await Promise.all(
    [...wanted].map(async ([type, ids]) => {
      const loader = LOADERS[type];
      if (!loader || !ids.size) return;
      const rows = await loader.load(ctx.db, [...ids]);
      names[type] = new Map(rows.map((r) => [r.id, r.display]));
    }),
  );
  return names;
}

/** Every reference value of a diff (base, branch and main sides). */
export function diffRefValues(entries: BranchDiffEntry[]): { field: string; values: unknown[] }[] {
  return entries.flatMap((e) => e.fields.map((f) => ({ field: f.field, values: [f.base, f.branch, f.main] })));
}
