import { eq } from "drizzle-orm";
import { pbsServers, pdmEndpointPbsServers, pdmEndpointProxmoxEndpoints, pdmRemotes, proxmoxEndpoints } from "@/db/schema";
import { authorize } from "@/lib/auth/permissions";
import type { ServiceContext } from "../context";
import type { Ref } from "../refs";

// SPEC §3 drift: what PDM says an endpoint manages vs what the operator declared it manages.

export interface Drift {
  /** Remotes linked to an object the endpoint does not declare. */
  undeclaredLinks: { remote: Ref; target: Ref; targetType: "pve" | "pbs" }[];
  /** Declared objects no remote of this endpoint links to. */
  unlinkedDeclared: { target: Ref; targetType: "pve" | "pbs" }[];
}

export async function endpointDrift(ctx: ServiceContext, endpointId: number): Promise<Drift> {
  authorize(ctx.actor, "inventory.read");
  const [remotes, declaredPve, declaredPbs] = await Promise.all([
    ctx.db
      .select({ id: pdmRemotes.id, name: pdmRemotes.name, pve: pdmRemotes.linkedProxmoxEndpointId, pbs: pdmRemotes.linkedPbsServerId })
      .from(pdmRemotes)
      .where(eq(pdmRemotes.pdmEndpointId, endpointId)),
    ctx.db
      .select({ id: proxmoxEndpoints.id, name: proxmoxEndpoints.name })
      .from(pdmEndpointProxmoxEndpoints)
      .innerJoin(proxmoxEndpoints, eq(proxmoxEndpoints.id, pdmEndpointProxmoxEndpoints.proxmoxEndpointId))
      .where(eq(pdmEndpointProxmoxEndpoints.pdmEndpointId, endpointId)),
    ctx.db
      .select({ id: pbsServers.id, name: pbsServers.name })
      .from(pdmEndpointPbsServers)
      .innerJoin(pbsServers, eq(pbsServers.id, pdmEndpointPbsServers.pbsServerId))
      .where(eq(pdmEndpointPbsServers.pdmEndpointId, endpointId)),
  ]);
  const pveIds = new Set(declaredPve.map((d) => d.id));
  const pbsIds = new Set(declaredPbs.map((d) => d.id));
  const linkedPve = remotes.filter((r) => r.pve !== null);
  const linkedPbs = remotes.filter((r) => r.pbs !== null);
  const names = async () => {
    const [pves, pbss] = await Promise.all([
      ctx.db.select({ id: proxmoxEndpoints.id, name: proxmoxEndpoints.name }).from(proxmoxEndpoints),
      ctx.db.select({ id: pbsServers.id, name: pbsServers.name }).from(pbsServers),
    ]);
    return { pve: new Map(pves.map((p) => [p.id, p.name])), pbs: new Map(pbss.map((p) => [p.id, p.name])) };
  };
  const undeclared = [...linkedPve.filter((r) => !pveIds.has(r.pve!)), ...linkedPbs.filter((r) => !pbsIds.has(r.pbs!))];
  const lookup = undeclared.length ? await names() : { pve: new Map<number, string>(), pbs: new Map<number, string>() };
  const ref = (id: number, name: string): Ref => ({ id, name, display: name });
  return {
    undeclaredLinks: undeclared.map((r) =>
      r.pve !== null
        ? { remote: ref(r.id, r.name), target: ref(r.pve, lookup.pve.get(r.pve) ?? `#${r.pve}`), targetType: "pve" as const }
        : { remote: ref(r.id, r.name), target: ref(r.pbs!, lookup.pbs.get(r.pbs!) ?? `#${r.pbs}`), targetType: "pbs" as const },
    ),
    unlinkedDeclared: [
      ...declaredPve.filter((d) => !linkedPve.some((r) => r.pve === d.id)).map((d) => ({ target: ref(d.id, d.name), targetType: "pve" as const })),
      ...declaredPbs.filter((d) => !linkedPbs.some((r) => r.pbs === d.id)).map((d) => ({ target: ref(d.id, d.name), targetType: "pbs" as const })),
    ],
  };
}

