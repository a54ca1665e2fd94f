import { Badge, type BadgeTone } from "@/components/ui/badge";

/** A branch's page (names may hold characters a URL must encode). */
export const branchHref = (name: string) => `/plugins/pdm/branches/${encodeURIComponent(name)}/`;

const TONES: Record<string, BadgeTone> = { open: "purple", merged: "green", discarded: "slate" };

export function BranchStatusBadge({ status }: { status: string }) {
  return <Badge tone={TONES[status] ?? "slate"}>{status}</Badge>;
}

/** A commit id as Git shows it short (the full id on hover). */
export function ShortOid({ oid }: { oid: string | null | undefined }) {
  if (!oid) return <span className="text-slate-400">—</span>;
  return (
    <code className="rounded bg-slate-100 px-1 py-0.5 font-mono text-xs text-slate-700" title={oid}>
      {oid.slice(0, 10)}
    </code>
  );
}
