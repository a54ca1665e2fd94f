import Link from "next/link";
import { Card } from "@/components/ui/card";
import { endpointsDeclaring } from "@/lib/services/pdm-endpoints";
import { pdmRemoteService } from "@/lib/services/pdm-remotes";
import { pbsServerService, proxmoxEndpointService, type PbsServerRecord, type ProxmoxEndpointRecord } from "@/lib/services/proxmox";
import { formatDateTime } from "@/lib/ui/format";
import { str, type KindConfig } from "../config";
import { AttributeTable, BoolBadge, Dash, Mono, RefLink } from "../detail";
import type { FieldSpec } from "../object-form";
import { siteOptions, tenantOptions } from "../options";
import { RelatedCard } from "../related";

// Proxmox endpoints (PVE clusters) and PBS servers: what PDM remotes link to (SPEC §2.4, §3).

export function proxmoxLikeConfig<R extends ProxmoxEndpointRecord>(kind: "proxmox-endpoint" | "pbs-server"): KindConfig<R> {
  const pbs = kind === "pbs-server";
  const path = pbs ? "/plugins/pbs/servers/" : "/plugins/proxbox/endpoints/";
  const linkFilter = pbs ? "linked_pbs_server_id" : "linked_proxmox_endpoint_id";
  return {
    columns: [
      { label: "Name", sort: "name", render: (r) => <Link href={`${path}${r.id}/`} className="font-medium text-brand-700 hover:underline">{r.name}</Link> },
      { label: "Host", sort: "host", render: (r) => r.host },
      { label: "Port", sort: "port", render: (r) => r.port },
      { label: "Fingerprint", render: (r) => (r.fingerprint ? <Mono>{`${r.fingerprint.slice(0, 23)}…`}</Mono> : <Dash />) },
      ...(pbs ? [{ label: "Verify SSL", render: (r: R) => <BoolBadge value={(r as unknown as PbsServerRecord).verify_ssl} /> }] : []),
      { label: "Site", render: (r) => <RefLink type="dcim.site" value={r.site} /> },
      { label: "Tenant", render: (r) => <RefLink type="tenancy.tenant" value={r.tenant} /> },
    ],
    filters: async (ctx) => [
      { name: "site_id", label: "Site", options: await siteOptions(ctx) },
      { name: "tenant_id", label: "Tenant", options: await tenantOptions(ctx) },
    ],
    empty: pbs
      ? "No PBS servers yet. Add the Proxmox Backup Servers you track, so sync can link the PDM remotes that are them."
      : "No Proxmox endpoints yet. Add the PVE clusters you track, so sync can link the PDM remotes that are them.",
    fields: async (ctx) => {
      const fields: FieldSpec[] = [
        { name: "name", label: "Name", kind: "text", required: true },
        { name: "host", label: "Host", kind: "text", required: true, help: "DNS name, IPv4 or IPv6 address." },
        { name: "port", label: "Port", kind: "number", min: 1, max: 65535, placeholder: String((pbs ? pbsServerService : proxmoxEndpointService).definition.defaults.port) },
        { name: "fingerprint", label: "Fingerprint", kind: "text", nullIfBlank: true, help: "SHA-256 of the certificate: 32 bytes of hex, colons optional." },
      ];
      if (pbs) fields.push({ name: "verify_ssl", label: "Verify SSL", kind: "checkbox" });
      fields.push(
        { name: "site", label: "Site", kind: "select", numeric: true, nullable: true, options: await siteOptions(ctx) },
        { name: "tenant", label: "Tenant", kind: "select", numeric: true, nullable: true, options: await tenantOptions(ctx) },
        { name: "description", label: "Description", kind: "textarea" },
      );
      return fields;
    },
    initial: (r) => ({
      name: r?.name ?? "",
      host: r?.host ?? "",
      port: r ? String(r.port) : "",
      fingerprint: r?.fingerprint ?? "",
      ...(pbs ? { verify_ssl: r ? (r as unknown as PbsServerRecord).verify_ssl : true } : {}),
      site: str(r?.site?.id),
      tenant: str(r?.tenant?.id),
      description: r?.description ?? "",
    }),
    async detail(ctx, r) {
      const [remotes, declaring] = await Promise.all([
        pdmRemoteService.list(ctx, { filters: { [linkFilter]: [String(r.id)] }, limit: 10 }),
        endpointsDeclaring(ctx, pbs ? { pbsServer: r.id } : { proxmoxEndpoint: r.id }),
      ]);
      return (
        <div className="grid gap-5 lg:grid-cols-2">
          <Card title={pbs ? "PBS server" : "Proxmox endpoint"}>
            <AttributeTable
              rows={[
                ["Name", r.name],
                ["Host", r.host],
                ["Port", r.port],
                ["Fingerprint", r.fingerprint ? <Mono>{r.fingerprint}</Mono> : <Dash />],
                ...(pbs ? ([["Verify SSL", <BoolBadge key="v" value={(r as unknown as PbsServerRecord).verify_ssl} />]] as [string, React.ReactNode][]) : []),
                ["Site", <RefLink key="s" type="dcim.site" value={r.site} />],
                ["Tenant", <RefLink key="t" type="tenancy.tenant" value={r.tenant} />],
                ["Description", r.description || <Dash />],
                ["Last updated", formatDateTime(r.last_updated)],
              ]}
            />
          </Card>
          <div className="space-y-5">
            <RelatedCard title="Linked PDM remotes" type="netbox_pdm.pdmremote" items={remotes.results} count={remotes.count} listHref={`/plugins/pdm/remotes/?${linkFilter}=${r.id}`} />
            <RelatedCard title="Declared by PDM endpoints" type="netbox_pdm.pdmendpoint" items={declaring} count={declaring.length} listHref="/plugins/pdm/endpoints/" />
          </div>
        </div>
      );
    },
    deleteConsequence: () => "PDM remotes linked to it lose the link.",
  };
}
