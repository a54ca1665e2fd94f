import { Badge } from "@/components/ui/badge";
import type { PdmRemoteRecord } from "@/lib/services/pdm-remotes";
import { RefLink } from "../detail";

export function RemoteStatusBadge({ status }: { status: string }) {
  return status === "ok" ? <Badge tone="green">ok</Badge> : <Badge tone="red">unreachable</Badge>;
}

/** The remote's link with its source (auto / manual), or "ambiguous" / "none". */
export function LinkBadge({ remote }: { remote: Pick<PdmRemoteRecord, "linked_proxmox_endpoint" | "linked_pbs_server" | "link_source" | "link_candidates"> }) {
  const target = remote.linked_proxmox_endpoint ?? remote.linked_pbs_server;
  if (target) {
    return (
      <span className="inline-flex items-center gap-1.5">
        <RefLink type={remote.linked_proxmox_endpoint ? "netbox_proxbox.proxmoxendpoint" : "netbox_pbs.pbsserver"} value={target} />
        <Badge tone={remote.link_source === "manual" ? "purple" : "blue"}>{remote.link_source}</Badge>
      </span>
    );
  }
  if (remote.link_candidates.length > 1) return <Badge tone="amber">ambiguous ({remote.link_candidates.length})</Badge>;
  return remote.link_source === "manual" ? <Badge tone="purple">manual: none</Badge> : <Badge tone="slate">none</Badge>;
}
