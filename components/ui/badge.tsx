import type { ReactNode } from "react";

export type BadgeTone = "green" | "red" | "amber" | "blue" | "slate" | "purple";
const TONES: Record<BadgeTone, string> = {
  green: "bg-emerald-100 text-emerald-800",
  red: "bg-red-100 text-red-800",
  amber: "bg-amber-100 text-amber-800",
  blue: "bg-sky-100 text-sky-800",
  slate: "bg-slate-100 text-slate-700",
  purple: "bg-violet-100 text-violet-800",
};

export function Badge({ tone = "slate", children }: { tone?: BadgeTone; children: ReactNode }) {
  return <span className={`inline-flex items-center rounded px-1.5 py-0.5 text-xs font-medium ${TONES[tone]}`}>{children}</span>;
}
