"use client";

import { useState, useTransition } from "react";
import { deleteTokenAction } from "@/app/(app)/users/tokens/actions";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";

export interface TokenRow {
  id: number;
  user: string;
  description: string;
  write_enabled: boolean;
  expires: string | null;
  expired: boolean;
  last_used: string | null;
  created: string;
}

function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : "—";
}

export function TokenTable({ tokens, showUser }: { tokens: TokenRow[]; showUser: boolean }) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  if (tokens.length === 0) {
    return <p className="text-sm text-slate-600">No tokens yet. Create one to let scripts and NetBox clients use the REST API.</p>;
  }
  function remove(t: TokenRow) {
    if (!window.confirm(`Delete token #${t.id}${t.description ? ` (${t.description})` : ""}? Scripts using it will stop working.`)) return;
    startTransition(async () => {
      const res = await deleteTokenAction(t.id);
      setError(res.ok ? null : res.error);
    });
  }
  return (
    <div className="overflow-x-auto">
      {error && <p role="alert" className="mb-2 text-sm text-red-700">{error}</p>}
      <table className="min-w-full text-sm">
        <thead className="text-left text-xs uppercase text-slate-500">
          <tr>
            <th className="py-2 pr-3">ID</th>
            {showUser && <th className="py-2 pr-3">User</th>}
            <th className="py-2 pr-3">Description</th>
            <th className="py-2 pr-3">Access</th>
            <th className="py-2 pr-3">Expires</th>
            <th className="py-2 pr-3">Last used</th>
            <th className="py-2 pr-3">Created</th>
            <th className="py-2" />
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {tokens.map((t) => (
            <tr key={t.id} data-testid={`token-row-${t.id}`}>
              <td className="py-2 pr-3 font-mono text-xs">{t.id}</td>
              {showUser && <td className="py-2 pr-3">{t.user}</td>}
              <td className="py-2 pr-3">{t.description || <span className="text-slate-400">—</span>}</td>
              <td className="py-2 pr-3">{t.write_enabled ? <Badge tone="amber">read/write</Badge> : <Badge tone="blue">read-only</Badge>}</td>
              <td className="py-2 pr-3">
                {when(t.expires)} {t.expired && <Badge tone="red">expired</Badge>}
              </td>
              <td className="py-2 pr-3">{when(t.last_used)}</td>
              <td className="py-2 pr-3">{when(t.created)}</td>
              <td className="py-2 text-right">
                <Button variant="danger" disabled={pending} onClick={() => remove(t)} aria-label={`Delete token ${t.id}`}>
                  Delete
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
