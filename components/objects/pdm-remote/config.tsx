import Link from "next/link";
import { Card } from "@/components/ui/card";
import { Badge } from "@/components/ui/badge";
import { remotePath } from "@/lib/services/branches/snapshot";
import { pbsServerService, proxmoxEndpointService } from "@/lib/services/proxmox";
import type { PdmRemoteRecord } from "@/lib/services/pdm-remotes";
import { formatDateTime } from "@/lib/ui/format";
import { RemoteHistoryCard } from "../branch/history";
import type { KindConfig } from "../config";
import { AttributeTable, Dash, Mono, RefLink } from "../detail";
import { pbsServerOptions, pdmEndpointOptions, proxmoxEndpointOptions } from "../options";
import { LinkBadge, RemoteStatusBadge } from "./badges";
import { RemoteForm } from "./remote-form";

// PDM remotes (SPEC §2.2): synced from PDM; people set link overrides.

export const pdmRemoteConfig: KindConfig<PdmRemoteRecord> = {
  // Editing a remote means its link override and description only (SPEC §3).
  async edit(ctx, rec) {
    const link = rec.remote_type === "pve" ? rec.linked_proxmox_endpoint : rec.linked_pbs_server;
    return (
      <RemoteForm
        id={rec.id}
        remoteType={rec.remote_type}
        linkId={link?.id ?? null}
        linkSource={rec.link_source}
        description={rec.description}
        options={rec.remote_type === "pve" ? await proxmoxEndpointOptions(ctx) : await pbsServerOptions(ctx)}
      />
    );
  },
  columns: [
    { label: "Name", sort: "name", render: (r) => <Link href={`/plugins/pdm/remotes/${r.id}/`} className="font-medium text-brand-700 hover:underline">{r.name}</Link> },
    { label: "PDM endpoint", sort: "pdm_endpoint", render: (r) => <RefLink type="netbox_pdm.pdmendpoint" value={r.pdm_endpoint} /> },
    { label: "Type", sort: "remote_type", render: (r) => <span className="uppercase">{r.remote_type}</span> },
    { label: "Version", sort: "version", render: (r) => r.version ?? <Dash /> },
    { label: "Status", sort: "status", render: (r) => <RemoteStatusBadge status={r.status} /> },
    { label: "Nodes", render: (r) => r.nodes.length },
    { label: "Linked to", sort: "link_source", render: (r) => <LinkBadge remote={r} /> },
    { label: "Last seen", sort: "last_seen_at", render: (r) => formatDateTime(r.last_seen_at) },
  ],
  filters: async (ctx) => [
    { name: "pdm_endpoint_id", label: "PDM endpoint", options: await pdmEndpointOptions(ctx) },
    { name: "remote_type", label: "Type", options: [{ value: "pve", label: "PVE" }, { value: "pbs", label: "PBS" }] },
    { name: "status", label: "Status", options: [{ value: "ok", label: "ok" }, { value: "unreachable", label: "unreachable" }] },
    { name: "link_source", label: "Link", options: ["auto", "manual", "none"].map((v) => ({ value: v, label: v })) },
    { name: "version", label: "Version" },
  ],
  empty: "No remotes yet. Remotes come from PDM: add a PDM endpoint and run a sync.",
  csv: [
    { header: "id", value: (r) => r.id },
    { header: "pdm_endpoint", value: (r) => r.pdm_endpoint.name },
    { header: "name", value: (r) => r.name },
    { header: "remote_type", value: (r) => r.remote_type },
    { header: "version", value: (r) => r.version },
    { header: "status", value: (r) => r.status },
    { header: "nodes", value: (r) => r.nodes.map((n) => `${n.host}${n.port ? `:${n.port}` : ""}`).join(" ") },
    { header: "linked_proxmox_endpoint", value: (r) => r.linked_proxmox_endpoint?.name },
    { header: "linked_pbs_server", value: (r) => r.linked_pbs_server?.name },
    { header: "link_source", value: (r) => r.link_source },
    { header: "last_seen_at", value: (r) => r.last_seen_at?.toISOString() ?? "" },
    { header: "last_error", value: (r) => r.last_error },
  ],
  async detail(ctx, r) {
    const candidates = r.link_candidates.length
      ? (await (r.remote_type === "pve" ? proxmoxEndpointService : pbsServerService).list(ctx, { filters: { id: r.link_candidates.map(String) }, limit: 1000 })).results
      : [];
    return (
      <div className="space-y-5">
        <div className="grid gap-5 lg:grid-cols-2">
          <Card title="PDM remote">
            <AttributeTable
              rows={[
                ["Name", r.name],
                ["PDM endpoint", <RefLink key="e" type="netbox_pdm.pdmendpoint" value={r.pdm_endpoint} />],
                ["Type", <span key="t" className="uppercase">{r.remote_type}</span>],
                ["Version", r.version ?? <Dash />],
                ["Status", <RemoteStatusBadge key="s" status={r.status} />],
                ["Last error", r.last_error ? <span key="le" className="text-red-700">{r.last_error}</span> : <Dash />],
                [
                  "Web URL",
                  // A link only to http(s): a value stored before that rule (issue 17) is shown as text.
                  r.web_url && /^https?:\/\//i.test(r.web_url) ? (
                    <a key="w" href={r.web_url} className="text-brand-700 hover:underline" rel="noreferrer" target="_blank">
                      {r.web_url}
                    </a>
                  ) : (
                    (r.web_url ?? <Dash />)
                  ),
                ],
                ["Auth id", r.authid ? <Mono key="a">{r.authid}</Mono> : <Dash />],
                ["Last seen", formatDateTime(r.last_seen_at)],
                ["Description", r.description || <Dash />],
              ]}
            />
          </Card>
          <Card title="Link">
            <AttributeTable
              rows={[
                ["Linked to", <LinkBadge key="l" remote={r} />],
                ["Source", <Badge key="s" tone={r.link_source === "manual" ? "purple" : r.link_source === "auto" ? "blue" : "slate"}>{r.link_source}</Badge>],
                [
                  "Candidates",
                  candidates.length ? (
                    <span key="c" className="flex flex-wrap gap-x-2" data-testid="link-candidates">
                      {candidates.map((c) => (
                        <RefLink key={c.id} type={r.remote_type === "pve" ? "netbox_proxbox.proxmoxendpoint" : "netbox_pbs.pbsserver"} value={c} />
                      ))}
                    </span>
                  ) : (
                    <Dash />
                  ),
                ],
              ]}
            />
            {candidates.length > 1 && (
              <p className="mt-3 text-sm text-amber-800">
                Ambiguous: several {r.remote_type === "pve" ? "Proxmox endpoints" : "PBS servers"} match this remote&apos;s nodes. Declare the right one on the PDM endpoint, or
                link it by hand.
              </p>
            )}
          </Card>
        </div>
        <Card title={`Nodes (${r.nodes.length})`}>
          {r.nodes.length === 0 ? (
            <p className="text-sm text-slate-500">PDM lists no nodes for this remote.</p>
          ) : (
            <table className="min-w-full text-sm">
              <thead className="text-left text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-1.5 pr-3">Host</th>
                  <th className="py-1.5 pr-3">Port</th>
                  <th className="py-1.5">Fingerprint</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {r.nodes.map((n, i) => (
                  <tr key={i}>
                    <td className="py-1.5 pr-3">{n.host}</td>
                    <td className="py-1.5 pr-3">{n.port ?? <span className="text-slate-400">default ({(r.remote_type === "pve" ? proxmoxEndpointService : pbsServerService).definition.defaults.port as number})</span>}</td>
                    <td className="py-1.5">{n.fingerprint ? <Mono>{n.fingerprint}</Mono> : <Dash />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <RemoteHistoryCard ctx={ctx} path={remotePath(r.pdm_endpoint.name, r.name)} />
      </div>
    );
  },
};
