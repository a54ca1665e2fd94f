"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { deleteTokenAction } from "@/actions/tokens";
import { Button } from "@/components/ui/button";

/** Deletes one token after the browser's confirmation; scripts using it stop working at once. */
export function TokenDeleteButton({ id, description }: { id: number; description: string }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  function remove() {
    if (!window.confirm(`Delete token #${id}${description ? ` (${description})` : ""}? Scripts using it will stop working.`)) return;
    startTransition(async () => {
      const res = await deleteTokenAction(id);
      setError(res.ok ? null : res.error);
      if (res.ok) router.refresh();
    });
  }
  return (
    <span className="inline-flex items-center gap-2">
      {error && <span role="alert" className="text-xs text-red-700">{error}</span>}
      <Button variant="danger" disabled={pending} onClick={remove} aria-label={`Delete token ${id}`}>
        Delete
      </Button>
    </span>
  );
}
