"use client";

import { useRouter } from "next/navigation";
import { useId, useState, useTransition } from "react";
import { discardBranchAction, mergeBranchAction } from "@/actions/branches";
import { Button } from "@/components/ui/button";

/**
 * Merge (with "I acknowledge N conflicts" when the diff has any) and Discard (confirmed) for an
 * open branch. The server decides: merging without the acknowledgement while conflicts exist is
 * refused there and its message shown here.
 */
export function BranchActions({ name, conflicts, detailHref }: { name: string; conflicts: number; detailHref: string }) {
  const router = useRouter();
  const ackId = useId();
  const [acknowledged, setAcknowledged] = useState(false);
  const [confirmingDiscard, setConfirmingDiscard] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();

  function merge() {
    setConfirmingDiscard(false);
    start(async () => {
      const res = await mergeBranchAction(name, acknowledged);
      if (res.ok) {
        const a = res.data;
        router.push(`${detailHref}?merged=${a.created}.${a.updated}.${a.deleted}`);
        router.refresh();
      } else {
        setError(res.error);
        router.refresh();
      }
    });
  }

  function discard() {
    start(async () => {
      const res = await discardBranchAction(name);
      if (res.ok) {
        router.push(`${detailHref}?discarded=1`);
        router.refresh();
      } else setError(res.error);
    });
  }

  return (
    <div className="space-y-3" data-testid="branch-actions">
      {conflicts > 0 && (
        <label htmlFor={ackId} className="flex items-start gap-2 rounded-md border border-amber-200 bg-amber-50 p-2.5 text-sm text-amber-900">
          <input
            id={ackId}
            type="checkbox"
            className="mt-0.5"
            checked={acknowledged}
            onChange={(e) => {
              setAcknowledged(e.target.checked);
              setError(null);
            }}
          />
          <span>
            I acknowledge {conflicts === 1 ? "the conflict" : `${conflicts} conflicts`}: the branch&apos;s values replace the values main has now.
          </span>
        </label>
      )}
      <div className="flex flex-wrap items-center gap-2">
        <Button variant="primary" disabled={pending} onClick={merge}>
          {pending && !confirmingDiscard ? "Merging…" : "Merge"}
        </Button>
        {!confirmingDiscard && (
          <Button variant="secondary" disabled={pending} onClick={() => (setConfirmingDiscard(true), setError(null))}>
            Discard
          </Button>
        )}
      </div>
      {confirmingDiscard && (
        <div role="alertdialog" aria-label="Confirm discard" className="flex flex-wrap items-center gap-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
          <span>
            Discard <strong className="break-all">{name}</strong>? Its changes are never applied; the branch stays listed as discarded.
          </span>
          <Button variant="danger" disabled={pending} onClick={discard}>
            {pending ? "Discarding…" : "Confirm discard"}
          </Button>
          <Button disabled={pending} onClick={() => setConfirmingDiscard(false)}>
            Cancel
          </Button>
        </div>
      )}
      {error && (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 p-2.5 text-sm text-red-800" data-testid="branch-action-error">
          {error}
        </p>
      )}
    </div>
  );
}
