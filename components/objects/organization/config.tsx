import Link from "next/link";
import { Card } from "@/components/ui/card";
import type { OrganizationRecord } from "@/lib/services/organization";
import { pdmEndpointService } from "@/lib/services/pdm-endpoints";
import { pbsServerService, proxmoxEndpointService } from "@/lib/services/proxmox";
import { formatDateTime } from "@/lib/ui/format";
import type { KindConfig } from "../config";
import { AttributeTable, Dash } from "../detail";
import { RelatedCard } from "../related";

// Sites and tenants: name, slug, description; related endpoints, Proxmox endpoints, PBS servers.

export function organizationConfig(kind: "site" | "tenant"): KindConfig<OrganizationRecord> {
  const path = kind === "site" ? "/dcim/sites/" : "/tenancy/tenants/";
  const filterKey = kind === "site" ? "site_id" : "tenant_id";
  return {
    columns: [
      { label: "Name", sort: "name", render: (r) => <Link href={`${path}${r.id}/`} className="font-medium text-brand-700 hover:underline">{r.name}</Link> },
      { label: "Slug", sort: "slug", render: (r) => r.slug },
      { label: "Description", render: (r) => r.description || <Dash /> },
      { label: "Updated", sort: "last_updated", render: (r) => formatDateTime(r.last_updated) },
    ],
    empty: `No ${kind}s yet. Add one, then assign PDM endpoints, Proxmox endpoints and PBS servers to it.`,
    fields: async () => [
      { name: "name", label: "Name", kind: "text", required: true },
      { name: "slug", label: "Slug", kind: "text", required: true, help: "Lowercase letters, numbers, underscores and hyphens." },
      { name: "description", label: "Description", kind: "textarea" },
    ],
    initial: (r) => ({ name: r?.name ?? "", slug: r?.slug ?? "", description: r?.description ?? "" }),
    async detail(ctx, r) {
      const filter = { filters: { [filterKey]: [String(r.id)] }, limit: 10 };
      const [eps, pves, pbss] = await Promise.all([
        pdmEndpointService.list(ctx, filter),
        proxmoxEndpointService.list(ctx, filter),
        pbsServerService.list(ctx, filter),
      ]);
      return (
        <div className="grid gap-5 lg:grid-cols-2">
          <Card title={kind === "site" ? "Site" : "Tenant"}>
            <AttributeTable
              rows={[
                ["Name", r.name],
                ["Slug", r.slug],
                ["Description", r.description || <Dash />],
                ["Created", formatDateTime(r.created)],
                ["Last updated", formatDateTime(r.last_updated)],
              ]}
            />
          </Card>
          <div className="space-y-5">
            <RelatedCard title="PDM endpoints" type="netbox_pdm.pdmendpoint" items={eps.results} count={eps.count} listHref={`/plugins/pdm/endpoints/?${filterKey}=${r.id}`} />
            <RelatedCard title="Proxmox endpoints" type="netbox_proxbox.proxmoxendpoint" items={pves.results} count={pves.count} listHref={`/plugins/proxbox/endpoints/?${filterKey}=${r.id}`} />
            <RelatedCard title="PBS servers" type="netbox_pbs.pbsserver" items={pbss.results} count={pbss.count} listHref={`/plugins/pbs/servers/?${filterKey}=${r.id}`} />
          </div>
        </div>
      );
    },
    deleteConsequence: () => "Objects assigned to it keep existing, without it.",
  };
}
