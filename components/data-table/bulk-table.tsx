"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, useTransition, type ReactNode } from "react";
import { bulkDeleteAction } from "@/actions/objects";
import { Button } from "@/components/ui/button";
import type { Kind } from "@/lib/ui/kinds";

export interface HeaderCell {
  label: string;
  /** Sort link; the active direction is marked. */
  href?: string;
  active?: "asc" | "desc";
}

export interface RowData {
  id: number;
  name: string;
  cells: ReactNode[];
}

/** The list table: server-rendered cells, plus row selection and bulk delete with confirmation. */
export function BulkTable({ kind, headers, rows, canDelete }: { kind?: Kind; headers: HeaderCell[]; rows: RowData[]; canDelete: boolean }) {
  const router = useRouter();
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const selectable = canDelete && !!kind;
  const all = rows.length > 0 && rows.every((r) => selected.has(r.id));

  function toggle(id: number) {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  }

  function confirmDelete() {
    if (!kind) return;
    start(async () => {
      const res = await bulkDeleteAction(kind, [...selected]);
      if (res.ok) {
        setSelected(new Set());
        setConfirming(false);
        setError(null);
        router.refresh();
      } else setError(res.error);
    });
  }

  const chosen = rows.filter((r) => selected.has(r.id));
  return (
    <div>
      {selectable && selected.size > 0 && (
        <div className="mb-3 flex flex-wrap items-center gap-3 rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm">
          <span>{selected.size} selected</span>
          {!confirming && (
            <Button variant="danger" onClick={() => setConfirming(true)}>
              Delete selected
            </Button>
          )}
        </div>
      )}
      {confirming && (
        <div role="alertdialog" aria-labelledby="bulk-delete-title" className="mb-3 rounded-md border border-red-200 bg-red-50 p-3 text-sm">
          <p id="bulk-delete-title" className="font-medium text-red-900">
            Delete these {chosen.length} objects? This cannot be undone.
          </p>
          <ul className="my-2 max-h-40 list-inside list-disc overflow-y-auto text-red-900" data-testid="bulk-delete-list">
            {chosen.map((r) => (
              <li key={r.id}>{r.name}</li>
            ))}
          </ul>
          {error && <p role="alert" className="mb-2 text-red-700">{error}</p>}
          <div className="flex gap-2">
            <Button variant="danger" disabled={pending} onClick={confirmDelete}>
              {pending ? "Deleting…" : "Confirm delete"}
            </Button>
            <Button onClick={() => setConfirming(false)} disabled={pending}>
              Cancel
            </Button>
          </div>
        </div>
      )}
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <tr>
              {selectable && (
                <th className="w-8 px-3 py-2">
                  <input
                    type="checkbox"
                    aria-label="Select all rows"
                    checked={all}
                    onChange={() => setSelected(all ? new Set() : new Set(rows.map((r) => r.id)))}
                  />
                </th>
              )}
              {headers.map((h) => (
                <th key={h.label} className="whitespace-nowrap px-3 py-2" aria-sort={h.active === "asc" ? "ascending" : h.active === "desc" ? "descending" : undefined}>
                  {h.href ? (
                    <Link href={h.href} className="hover:text-brand-700">
                      {h.label}
                      {h.active === "asc" ? " ▲" : h.active === "desc" ? " ▼" : ""}
                    </Link>
                  ) : (
                    h.label
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((r) => (
              <tr key={r.id} className={selected.has(r.id) ? "bg-brand-50" : "hover:bg-slate-50"} data-testid={`row-${r.id}`}>
                {selectable && (
                  <td className="px-3 py-2">
                    <input type="checkbox" aria-label={`Select ${r.name}`} checked={selected.has(r.id)} onChange={() => toggle(r.id)} />
                  </td>
                )}
                {r.cells.map((c, i) => (
                  <td key={i} className="whitespace-nowrap px-3 py-2 align-top">
                    {c}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
