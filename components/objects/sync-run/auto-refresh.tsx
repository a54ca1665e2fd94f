"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";

/** Re-renders the (server) page every `ms` while `active`: live progress of a running sync. */
export function AutoRefresh({ active, ms = 1500 }: { active: boolean; ms?: number }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => router.refresh(), ms);
    return () => clearInterval(t);
  }, [active, ms, router]);
  return active ? (
    <span className="inline-flex items-center gap-1.5 text-xs text-slate-500" role="status">
      <span className="h-2 w-2 animate-pulse rounded-full bg-brand-500" /> updating live
    </span>
  ) : null;
}
