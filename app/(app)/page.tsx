import type { Metadata } from "next";
import Link from "next/link";
import { isNavReady } from "@/components/layout/nav-config";
import { PageHeader } from "@/components/layout/page-header";
import { Card } from "@/components/ui/card";
import { pageContext } from "@/lib/auth/session";
import { countObjects } from "@/lib/services/dashboard";

export const metadata: Metadata = { title: "Home" };

export default async function HomePage() {
  const ctx = await pageContext();
  const counts = await countObjects(ctx);
  const tiles = [
    { label: "PDM Endpoints", value: counts.pdmEndpoints, href: "/plugins/pdm/endpoints/" },
    { label: "PDM Remotes", value: counts.pdmRemotes, href: "/plugins/pdm/remotes/" },
    { label: "Proxmox Endpoints", value: counts.proxmoxEndpoints, href: "/plugins/proxbox/endpoints/" },
    { label: "PBS Servers", value: counts.pbsServers, href: "/plugins/pbs/servers/" },
    { label: "Sites", value: counts.sites, href: "/dcim/sites/" },
    { label: "Tenants", value: counts.tenants, href: "/tenancy/tenants/" },
  ];
  return (
    <>
      <PageHeader title="Home" subtitle="Your Proxmox Datacenter Manager inventory at a glance." />
      <Card title="Inventory">
        <dl className="grid grid-cols-2 gap-4 sm:grid-cols-3 xl:grid-cols-6" data-testid="object-counts">
          {tiles.map((t) => (
            <div key={t.label} className="rounded-md border border-slate-100 bg-slate-50 p-3">
              <dt className="text-xs font-medium text-slate-500">
                {isNavReady(t.href) ? (
                  <Link href={t.href} className="hover:text-brand-700 hover:underline">
                    {t.label}
                  </Link>
                ) : (
                  t.label
                )}
              </dt>
              <dd className="mt-1 text-2xl font-semibold text-slate-900">{t.value}</dd>
            </div>
          ))}
        </dl>
        {counts.pdmEndpoints === 0 && (
          <p className="mt-4 text-sm text-slate-600">
            Nothing here yet: add a PDM endpoint with its API token, then run a sync to fill the inventory.
          </p>
        )}
      </Card>
    </>
  );
}
