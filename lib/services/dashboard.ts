import { count } from "drizzle-orm";
import { pbsServers, pdmEndpoints, pdmRemotes, proxmoxEndpoints, sites, tenants } from "@/db/schema";
import { authorize } from "@/lib/auth/permissions";
import type { ServiceContext } from "./context";

export interface ObjectCounts {
  pdmEndpoints: number;
  pdmRemotes: number;
  sites: number;
  tenants: number;
  proxmoxEndpoints: number;
  pbsServers: number;
}

/** The home dashboard's object counts. */
export async function countObjects(ctx: ServiceContext): Promise<ObjectCounts> {
  authorize(ctx.actor, "inventory.read");
  const n = async (table: typeof sites | typeof tenants | typeof pdmEndpoints | typeof pdmRemotes | typeof proxmoxEndpoints | typeof pbsServers) =>
    Number((await ctx.db.select({ n: count() }).from(table))[0]?.n ?? 0);
  const [a, b, c, d, e, f] = await Promise.all([n(pdmEndpoints), n(pdmRemotes), n(sites), n(tenants), n(proxmoxEndpoints), n(pbsServers)]);
  return { pdmEndpoints: a, pdmRemotes: b, sites: c, tenants: d, proxmoxEndpoints: e, pbsServers: f };
}
