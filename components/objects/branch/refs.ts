import type { BranchDiffEntry } from "@/lib/services/branches";
import type { ServiceContext } from "@/lib/services/context";
import { serviceOfType } from "@/lib/services/registry";
import type { ObjectType } from "@/lib/object-types";
import { REF_FIELDS, type RefNames } from "./values";

// The names behind the ids a diff's reference fields hold, loaded once per page.


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
      const service = serviceOfType(type);
      if (!service || !ids.size) return;
      const rows = (await service.list(ctx, { filters: { id: [...ids].map(String) }, limit: 1000 })).results;
      names[type] = new Map(rows.map((r) => [r.id, r.display]));
    }),
  );
  return names;
}

/** Every reference value of a diff (base, branch and main sides). */
export function diffRefValues(entries: BranchDiffEntry[]): { field: string; values: unknown[] }[] {
  return entries.flatMap((e) => e.fields.map((f) => ({ field: f.field, values: [f.base, f.branch, f.main] })));
}
