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

export function RunStatusBadge({ status }: { status: string }) {
  return <Badge tone={TONES[status] ?? "slate"}>{status.replace("_", " ")}</Badge>;
}
