"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { deleteObjectAction } from "@/actions/objects";
import { Button } from "@/components/ui/button";
import type { Kind } from "@/lib/ui/kinds";

/** Delete with an explicit confirmation step (NetBox's confirmation page, inline). */
export function DeleteButton({ kind, id, name, consequence }: { kind: Kind; id: number; name: string; consequence?: string }) {
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  if (!confirming) {
    return (
      <Button variant="danger" onClick={() => setConfirming(true)}>
        Delete
      </Button>
    );
  }
  return (
    <div role="alertdialog" aria-label="Confirm delete" className="flex flex-wrap items-center gap-2 rounded-md border border-red-200 bg-red-50 px-3 py-1.5 text-sm text-red-900">
      <span>
        Delete <strong>{name}</strong>?{consequence ? ` ${consequence}` : ""}
      </span>
      {error && <span role="alert">{error}</span>}
      <Button
        variant="danger"
        disabled={pending}
        onClick={() =>
          start(async () => {
            const res = await deleteObjectAction(kind, id);
            if (res.ok) {
              router.push(res.data.url);
              router.refresh();
            } else setError(res.error);
          })
        }
      >
        {pending ? "Deleting…" : "Confirm delete"}
      </Button>
      <Button onClick={() => setConfirming(false)} disabled={pending}>
        Cancel
      </Button>
    </div>
  );
}
