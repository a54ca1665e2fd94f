import { notFound } from "next/navigation";
import { PageHeader } from "@/components/layout/page-header";
import { pbsServerOptions, proxmoxEndpointOptions } from "@/components/objects/options";
import { Forbidden, recordMetadata } from "@/components/objects/pages";
import { RemoteForm } from "@/components/objects/pdm-remote/remote-form";
import { can } from "@/lib/auth/permissions";
import { pageContext } from "@/lib/auth/session";
import { pdmRemoteService } from "@/lib/services/pdm-remotes";

export const generateMetadata = recordMetadata("pdm-remote", "edit");

// Editing a remote means its link override and description only (SPEC §3).
export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const ctx = await pageContext();
  const { id } = await params;
  const rec = /^\d{1,10}$/.test(id) ? await pdmRemoteService.get(ctx, Number(id)) : null;
  if (!rec) notFound();
  if (!can(ctx.actor, "inventory.write")) return <Forbidden what="edit PDM remotes" back={`/plugins/pdm/remotes/${rec.id}/`} />;
  const link = rec.remote_type === "pve" ? rec.linked_proxmox_endpoint : rec.linked_pbs_server;
  return (
    <>
      <PageHeader
        title={`Edit ${rec.name}`}
        crumbs={[{ label: "PDM remotes", href: "/plugins/pdm/remotes/" }, { label: rec.name, href: `/plugins/pdm/remotes/${rec.id}/` }, { label: "Edit" }]}
      />
      <RemoteForm
        id={rec.id}
        remoteType={rec.remote_type}
        linkId={link?.id ?? null}
        linkSource={rec.link_source}
        description={rec.description}
        options={rec.remote_type === "pve" ? await proxmoxEndpointOptions(ctx) : await pbsServerOptions(ctx)}
      />
    </>
  );
}
