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
export function RunStatusBadge({ status, mergeOutcome, unreachable = 0 }: { status: string; mergeOutcome?: string | null; unreachable?: number }) {
  const reviewed = status === "left_open" ? /^(merged|discarded) by /.exec(mergeOutcome ?? "")?.[1] : undefined;
  // A run that marked remotes unreachable succeeded with a warning: it says so, in amber.
  const warned = status === "succeeded" && unreachable > 0;
  return (
    <span className="inline-flex items-center gap-1.5" data-testid="run-status">
      <Badge tone={warned ? "amber" : (TONES[status] ?? "slate")}>{status.replace("_", " ")}</Badge>
      {warned && (
        <span className="text-xs font-medium text-amber-800" data-testid="run-unreachable">
          {unreachable} unreachable
        </span>
      )}
      {reviewed && <span className="text-xs text-slate-500"> then {reviewed}</span>}
    </span>
  );
}
