import { Badge, type BadgeTone } from "@/components/ui/badge";

const TONES: Record<string, BadgeTone> = {
  queued: "slate",
  running: "blue",
  succeeded: "green",
  partial: "amber",
  failed: "red",
  skipped: "slate",
  left_open: "purple",
};

/**
 * A run's status. A run stays `left_open` once its branch has been reviewed (the status says
 * what the run did); its merge outcome then says "merged by …" or "discarded by …", shown here
 * so that a reviewed run does not read as still waiting.
 */
export function RunStatusBadge({ status, mergeOutcome }: { status: string; mergeOutcome?: string | null }) {
  const reviewed = status === "left_open" ? /^(merged|discarded) by /.exec(mergeOutcome ?? "")?.[1] : undefined;
  return (
    <span className="inline-flex items-center gap-1.5">
      <Badge tone={TONES[status] ?? "slate"}>{status.replace("_", " ")}</Badge>
      {reviewed && <span className="text-xs text-slate-500"> then {reviewed}</span>}
    </span>
  );
}
