import type { Column, ListFilter } from "@/components/data-table/list-view";
import { Badge } from "@/components/ui/badge";
import type { TokenRecord } from "@/lib/services/tokens";
import { formatDateTime } from "@/lib/ui/format";
import { TokenDeleteButton } from "./token-delete-button";

// API tokens (SPEC §8) in the generic list view: columns, filters and CSV columns. Keys are never
// here: only their hashes are stored.

export function tokenColumns({ showUser }: { showUser: boolean }): Column<TokenRecord>[] {
  const now = Date.now();
  return [
    { label: "ID", sort: "id", render: (t) => <span className="font-mono text-xs">{t.id}</span> },
    ...(showUser ? [{ label: "User", render: (t: TokenRecord) => t.user.name }] : []),
    { label: "Description", render: (t) => t.description || <span className="text-slate-400">—</span> },
    { label: "Access", render: (t) => (t.write_enabled ? <Badge tone="amber">read/write</Badge> : <Badge tone="blue">read-only</Badge>) },
    {
      label: "Expires",
      sort: "expires",
      render: (t) => (
        <>
          {formatDateTime(t.expires)} {t.expires !== null && t.expires.getTime() <= now && <Badge tone="red">expired</Badge>}
        </>
      ),
    },
    { label: "Last used", sort: "last_used", render: (t) => formatDateTime(t.last_used) },
    { label: "Created", sort: "created", render: (t) => formatDateTime(t.created) },
    { label: "", render: (t) => <TokenDeleteButton id={t.id} description={t.description} /> },
  ];
}

export function tokenFilters(users: { id: number; username: string }[]): ListFilter[] {
  return [
    ...(users.length ? [{ name: "user_id", label: "User", options: users.map((u) => ({ value: String(u.id), label: u.username })) }] : []),
    { name: "write_enabled", label: "Access", options: [{ value: "true", label: "read/write" }, { value: "false", label: "read-only" }] },
  ];
}

export const TOKEN_CSV: { header: string; value(t: TokenRecord): unknown }[] = [
  { header: "id", value: (t) => t.id },
  { header: "user", value: (t) => t.user.name },
  { header: "description", value: (t) => t.description },
  { header: "write_enabled", value: (t) => t.write_enabled },
  { header: "expires", value: (t) => t.expires?.toISOString() ?? "" },
  { header: "last_used", value: (t) => t.last_used?.toISOString() ?? "" },
  { header: "created", value: (t) => t.created.toISOString() },
];
