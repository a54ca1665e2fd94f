import Link from "next/link";
import type { ReactNode } from "react";
import { PageHeader } from "@/components/layout/page-header";
import { Badge } from "@/components/ui/badge";
import { LinkButton } from "@/components/ui/button";
import type { ObjectType } from "@/lib/object-types";
import { capitalize, kindInfo, uiUrl, type Kind } from "@/lib/ui/kinds";
import { DeleteButton } from "./delete-button";

// Detail pages: header with Edit/Delete (by role), Details/Changelog tabs, attribute cards.

export function Dash() {
  return <span className="text-slate-400">—</span>;
}

export function RefLink({ type, value }: { type: ObjectType; value: { id: number; display: string } | null | undefined }) {
  if (!value) return <Dash />;
  return (
    <Link href={uiUrl(type, value.id)} className="text-brand-700 hover:underline">
      {value.display}
    </Link>
  );
}

export function RefList({ type, values }: { type: ObjectType; values: { id: number; display: string }[] }) {
  if (!values.length) return <Dash />;
  return (
    <span className="flex flex-wrap gap-x-2">
      {values.map((v) => (
        <RefLink key={v.id} type={type} value={v} />
      ))}
    </span>
  );
}

export function BoolBadge({ value, yes = "Yes", no = "No" }: { value: boolean; yes?: string; no?: string }) {
  return value ? <Badge tone="green">{yes}</Badge> : <Badge tone="slate">{no}</Badge>;
}

export function Mono({ children }: { children: ReactNode }) {
  return <span className="break-all font-mono text-xs">{children}</span>;
}

export function AttributeTable({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <table className="w-full text-sm">
      <tbody className="divide-y divide-slate-100">
        {rows.map(([label, value]) => (
          <tr key={label}>
            <th scope="row" className="w-48 py-2 pr-4 text-left align-top font-medium text-slate-500">
              {label}
            </th>
            <td className="py-2 align-top text-slate-900">{value ?? <Dash />}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DetailShell({
  kind,
  record,
  tab,
  canWrite,
  actions,
  children,
  subtitle,
  canEdit = true,
  deleteConsequence,
}: {
  kind: Kind;
  record: { id: number; display: string };
  tab: "details" | "changelog";
  canWrite: boolean;
  actions?: ReactNode;
  children: ReactNode;
  subtitle?: ReactNode;
  canEdit?: boolean;
  deleteConsequence?: string;
}) {
  const info = kindInfo(kind);
  const base = `${info.path}${record.id}/`;
  return (
    <>
      <PageHeader
        title={record.display}
        subtitle={subtitle}
        crumbs={[{ label: capitalize(info.plural), href: info.path }, { label: record.display }]}
        actions={
          <>
            {actions}
            {canWrite && canEdit && (
              <LinkButton href={`${base}edit/`} variant="secondary">
                Edit
              </LinkButton>
            )}
            {canWrite && <DeleteButton kind={kind} id={record.id} name={record.display} consequence={deleteConsequence} />}
          </>
        }
      />
      <nav aria-label="Tabs" className="mb-4 flex gap-1 border-b border-slate-200 text-sm">
        {(
          [
            ["details", "Details", base],
            ["changelog", "Changelog", `${base}changelog/`],
          ] as const
        ).map(([key, label, href]) => (
          <Link
            key={key}
            href={href}
            aria-current={tab === key ? "page" : undefined}
            className={`-mb-px border-b-2 px-3 py-2 ${tab === key ? "border-brand-600 font-medium text-brand-700" : "border-transparent text-slate-600 hover:text-slate-900"}`}
          >
            {label}
          </Link>
        ))}
      </nav>
      {children}
    </>
  );
}
