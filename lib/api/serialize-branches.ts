import type { BranchDiffEntry, BranchRecord } from "@/lib/services/branches";
import { objectUrl } from "./serialize";

// Branches are addressed by name (SPEC §6: /api/plugins/pdm/branches/{name}/), not by id.

export function branchUrl(baseUrl: string, name: string): string {
  return `${baseUrl}/api/plugins/pdm/branches/${encodeURIComponent(name)}/`;
}

export function serializeBranch(b: BranchRecord, baseUrl: string, diff?: BranchDiffEntry[]): Record<string, unknown> {
  const { id, display, ...rest } = b;
  return {
    id,
    url: branchUrl(baseUrl, b.name),
    display,
    ...rest,
    sync_run: b.sync_run ? { ...b.sync_run, url: objectUrl(baseUrl, "netbox_pdm.syncrun", b.sync_run.id) } : null,
    ...(diff ? { diff } : {}),
  };
}

export function serializeBranchBrief(b: BranchRecord, baseUrl: string) {
  return { id: b.id, url: branchUrl(baseUrl, b.name), display: b.display, name: b.name };
}
