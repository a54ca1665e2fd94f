import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { can } from "@/lib/auth/permissions";
import { endpointDrift } from "@/lib/services/pdm-endpoints/drift";
import type { PdmEndpointRecord } from "@/lib/services/pdm-endpoints";
import { pdmRemoteService } from "@/lib/services/pdm-remotes";
import { formatDateTime } from "@/lib/ui/format";
import { str, type KindConfig } from "../config";
import { AttributeTable, BoolBadge, Dash, Mono, RefLink, RefList } from "../detail";
import { pbsServerOptions, proxmoxEndpointOptions, siteOptions, tenantOptions } from "../options";
import { RemoteStatusBadge, LinkBadge } from "../pdm-remote/badges";
import { SyncNowButton, TestConnectionButton } from "./endpoint-actions";

// PDM endpoints (SPEC §2.1): the PDM servers. The detail page shows the remotes, the declared
// Proxmox endpoints / PBS servers and the drift between them (SPEC §3).

function health(r: PdmEndpointRecord) {
  if (!r.enabled) return <Badge tone="slate">disabled</Badge>;
  if (r.last_error) return <Badge tone="red">error</Badge>;
  if (!r.last_seen_at) return <Badge tone="amber">never synced</Badge>;
  return <Badge tone="green">ok</Badge>;
}

export const pdmEndpointConfig: KindConfig<PdmEndpointRecord> = {
  columns: [
    { label: "Name", sort: "name", render: (r) => <Link href={`/plugins/pdm/endpoints/${r.id}/`} className="font-medium text-brand-700 hover:underline">{r.name}</Link> },
    { label: "Host", sort: "host", render: (r) => `${r.host.includes(":") ? `[${r.host}]` : r.host}:${r.port}` },
    { label: "Status", render: health },
    { label: "PDM version", sort: "version", render: (r) => r.version ?? <Dash /> },
    { label: "Remotes", render: (r) => <Link href={`/plugins/pdm/remotes/?pdm_endpoint_id=${r.id}`} className="text-brand-700 hover:underline">{r.remote_count}</Link> },
    { label: "TLS", render: (r) => (r.fingerprint ? <Badge tone="green">pinned</Badge> : r.verify_ssl ? <Badge tone="blue">CA</Badge> : <Badge tone="red">unverified</Badge>) },
    { label: "Last seen", sort: "last_seen_at", render: (r) => formatDateTime(r.last_seen_at) },
    { label: "Site", render: (r) => <RefLink type="dcim.site" value={r.site} /> },
  ],
  filters: async (ctx) => [
    { name: "enabled", label: "Enabled", options: [{ value: "true", label: "Yes" }, { value: "false", label: "No" }] },
    { name: "site_id", label: "Site", options: await siteOptions(ctx) },
    { name: "tenant_id", label: "Tenant", options: await tenantOptions(ctx) },
  ],
  empty: "No PDM endpoints yet. Add your Proxmox Datacenter Manager with an API token (Auditor on /resource), test the connection, then sync.",
  csv: [
    { header: "id", value: (r) => r.id },
    { header: "name", value: (r) => r.name },
    { header: "host", value: (r) => r.host },
    { header: "port", value: (r) => r.port },
    { header: "token_id", value: (r) => r.token_id },
    { header: "fingerprint", value: (r) => r.fingerprint },
    { header: "verify_ssl", value: (r) => r.verify_ssl },
    { header: "enabled", value: (r) => r.enabled },
    { header: "version", value: (r) => r.version },
    { header: "remotes", value: (r) => r.remote_count },
    { header: "last_seen_at", value: (r) => r.last_seen_at?.toISOString() ?? "" },
    { header: "last_error", value: (r) => r.last_error },
    { header: "site", value: (r) => r.site?.name },
    { header: "tenant", value: (r) => r.tenant?.name },
    { header: "description", value: (r) => r.description },
  ],
  fields: async (ctx, rec) => [
    { name: "name", label: "Name", kind: "text", required: true },
    { name: "host", label: "Host", kind: "text", required: true, help: "DNS name, IPv4 or IPv6 address of the PDM server." },
    { name: "port", label: "Port", kind: "number", min: 1, max: 65535, placeholder: "8443" },
    { name: "token_id", label: "API token id", kind: "text", required: true, placeholder: "user@realm!tokenname" },
    {
      name: "token_secret",
      label: "API token secret",
      kind: "password",
      required: rec === null,
      help:
        rec === null
          ? "Stored encrypted; never shown again."
          : rec.has_token_secret
            ? "Leave blank to keep the stored secret. Changing the host, port, fingerprint or Verify SSL needs it entered again."
            : "No secret is stored: enter one.",
    },
    { name: "fingerprint", label: "Certificate fingerprint", kind: "text", nullIfBlank: true, help: "SHA-256 pin. With it, a self-signed certificate is accepted and verify SSL is not consulted." },
    { name: "verify_ssl", label: "Verify SSL (without a fingerprint)", kind: "checkbox" },
    { name: "timeout_seconds", label: "Timeout (seconds)", kind: "number", min: 1, max: 600, placeholder: "30" },
    { name: "enabled", label: "Enabled (synced)", kind: "checkbox" },
    { name: "allow_writes", label: "Allow writes (reserved; no effect yet)", kind: "checkbox" },
    { name: "site", label: "Site", kind: "select", numeric: true, nullable: true, options: await siteOptions(ctx) },
    { name: "tenant", label: "Tenant", kind: "select", numeric: true, nullable: true, options: await tenantOptions(ctx) },
    { name: "proxmox_endpoints", label: "Declared Proxmox endpoints", kind: "multiselect", options: await proxmoxEndpointOptions(ctx), help: "The PVE clusters this PDM manages." },
    { name: "pbs_servers", label: "Declared PBS servers", kind: "multiselect", options: await pbsServerOptions(ctx) },
    { name: "description", label: "Description", kind: "textarea" },
  ],
  initial: (r) => ({
    name: r?.name ?? "",
    host: r?.host ?? "",
    port: r ? String(r.port) : "",
    token_id: r?.token_id ?? "",
    token_secret: "",
    fingerprint: r?.fingerprint ?? "",
    verify_ssl: r?.verify_ssl ?? true,
    timeout_seconds: r ? String(r.timeout_seconds) : "",
    enabled: r?.enabled ?? true,
    allow_writes: r?.allow_writes ?? false,
    site: str(r?.site?.id),
    tenant: str(r?.tenant?.id),
    proxmox_endpoints: r?.proxmox_endpoints.map((p) => String(p.id)) ?? [],
    pbs_servers: r?.pbs_servers.map((p) => String(p.id)) ?? [],
    description: r?.description ?? "",
  }),
  listActions: (ctx) => (can(ctx.actor, "sync.run") ? <SyncNowButton endpointId={null} label="Sync all now" /> : null),
  detailActions: (r, canWrite) =>
    canWrite ? (
      <>
        <TestConnectionButton endpointId={r.id} pinned={r.fingerprint !== null} canPin={canWrite} />
        {r.enabled && <SyncNowButton endpointId={r.id} />}
      </>
    ) : null,
  async detail(ctx, r) {
    const [remotes, drift] = await Promise.all([
      pdmRemoteService.list(ctx, { filters: { pdm_endpoint_id: [String(r.id)] }, ordering: ["name"], limit: 25 }),
      endpointDrift(ctx, r.id),
    ]);
    const driftCount = drift.undeclaredLinks.length + drift.unlinkedDeclared.length;
    return (
      <div className="space-y-5">
        <div className="grid gap-5 lg:grid-cols-2">
          <Card title="PDM endpoint">
            <AttributeTable
              rows={[
                ["Name", r.name],
                ["Address", `https://${r.host.includes(":") ? `[${r.host}]` : r.host}:${r.port}`],
                ["API token id", <Mono key="t">{r.token_id}</Mono>],
                ["Token secret", r.has_token_secret ? <Badge key="s" tone="green">stored (encrypted)</Badge> : <Badge key="s" tone="red">missing</Badge>],
                ["Status", health(r)],
                ["PDM version", r.version ?? <Dash />],
                ["Last seen", formatDateTime(r.last_seen_at)],
                ["Last error", r.last_error ? <span key="e" className="text-red-700">{r.last_error}</span> : <Dash />],
                ["Enabled", <BoolBadge key="en" value={r.enabled} />],
                ["Timeout", `${r.timeout_seconds} s`],
                ["Site", <RefLink key="site" type="dcim.site" value={r.site} />],
                ["Tenant", <RefLink key="ten" type="tenancy.tenant" value={r.tenant} />],
                ["Description", r.description || <Dash />],
              ]}
            />
          </Card>
          <div className="space-y-5">
            <Card title="TLS">
              <AttributeTable
                rows={[
                  ["Fingerprint pin", r.fingerprint ? <Mono key="f">{r.fingerprint}</Mono> : <Dash />],
                  ["Verify SSL", <BoolBadge key="v" value={r.verify_ssl} />],
                  [
                    "In effect",
                    r.fingerprint
                      ? "Pinned: only this certificate is accepted."
                      : r.verify_ssl
                        ? "CA verification."
                        : <span key="w" className="text-red-700">No verification (a warning is logged at every sync).</span>,
                  ],
                ]}
              />
            </Card>
            <Card title="Declared objects">
              <AttributeTable
                rows={[
                  ["Proxmox endpoints", <RefList key="p" type="netbox_proxbox.proxmoxendpoint" values={r.proxmox_endpoints} />],
                  ["PBS servers", <RefList key="b" type="netbox_pbs.pbsserver" values={r.pbs_servers} />],
                ]}
              />
            </Card>
          </div>
        </div>
        <Card title={`Drift (${driftCount})`}>
          {driftCount === 0 ? (
            <p className="text-sm text-slate-600" data-testid="drift-none">
              No drift: every linked object is declared, and every declared object is linked by a remote.
            </p>
          ) : (
            <div className="grid gap-4 md:grid-cols-2 text-sm" data-testid="drift">
              <div>
                <h3 className="mb-1 font-medium text-slate-700">Linked but not declared</h3>
                {drift.undeclaredLinks.length === 0 ? (
                  <p className="text-slate-500">None.</p>
                ) : (
                  <ul className="space-y-1">
                    {drift.undeclaredLinks.map((d) => (
                      <li key={d.remote.id}>
                        <RefLink type="netbox_pdm.pdmremote" value={d.remote} /> →{" "}
                        <RefLink type={d.targetType === "pve" ? "netbox_proxbox.proxmoxendpoint" : "netbox_pbs.pbsserver"} value={d.target} />
                      </li>
                    ))}
                  </ul>
                )}
              </div>
              <div>
                <h3 className="mb-1 font-medium text-slate-700">Declared but linked by no remote</h3>
                {drift.unlinkedDeclared.length === 0 ? (
                  <p className="text-slate-500">None.</p>
                ) : (
                  <ul className="space-y-1">
                    {drift.unlinkedDeclared.map((d) => (
                      <li key={`${d.targetType}-${d.target.id}`}>
                        <RefLink type={d.targetType === "pve" ? "netbox_proxbox.proxmoxendpoint" : "netbox_pbs.pbsserver"} value={d.target} />
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            </div>
          )}
        </Card>
        <Card
          title={`Remotes (${remotes.count})`}
          actions={
            remotes.count > 0 ? (
              <Link href={`/plugins/pdm/remotes/?pdm_endpoint_id=${r.id}`} className="text-xs text-brand-700 hover:underline">
                View all
              </Link>
            ) : undefined
          }
        >
          {remotes.count === 0 ? (
            <p className="text-sm text-slate-600">
              {r.last_seen_at ? "PDM reported no remotes." : can(ctx.actor, "sync.run") ? "Not synced yet: run Sync now to fetch the remotes." : "Not synced yet."}
            </p>
          ) : (
            <div className="overflow-x-auto">
              <table className="min-w-full text-sm">
                <thead className="text-left text-xs uppercase text-slate-500">
                  <tr>
                    <th className="py-1.5 pr-3">Name</th>
                    <th className="py-1.5 pr-3">Type</th>
                    <th className="py-1.5 pr-3">Version</th>
                    <th className="py-1.5 pr-3">Status</th>
                    <th className="py-1.5 pr-3">Linked to</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {remotes.results.map((x) => (
                    <tr key={x.id}>
                      <td className="py-1.5 pr-3">
                        <RefLink type="netbox_pdm.pdmremote" value={x} />
                      </td>
                      <td className="py-1.5 pr-3 uppercase">{x.remote_type}</td>
                      <td className="py-1.5 pr-3">{x.version ?? <Dash />}</td>
                      <td className="py-1.5 pr-3">
                        <RemoteStatusBadge status={x.status} />
                      </td>
                      <td className="py-1.5 pr-3">
                        <LinkBadge remote={x} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
      </div>
    );
  },
  deleteConsequence: (r) => (r.remote_count ? `Its ${r.remote_count} remotes are deleted with it.` : undefined),
};
