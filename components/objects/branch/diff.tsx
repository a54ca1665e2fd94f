import Link from "next/link";
import type { ReactNode } from "react";
import { Badge } from "@/components/ui/badge";
import type { BranchDiffEntry } from "@/lib/services/branches";
import { changelogUrl, uiUrl } from "@/lib/ui/kinds";
import { FieldValue, sameValue, type RefNames } from "./values";

// The branch diff a reviewer reads (SPEC §5, netbox-branching's ChangeDiff): objects grouped by
// what the branch does to them; per object the fields it changes, base → branch, beside the value
// main has now. Conflicting fields carry all three values and are marked; collisions are flagged.

const KIND_LABEL = { "pdm-endpoint": "PDM endpoint", "pdm-remote": "PDM remote" } as const;
/** The object type of each kind of file, for links to the object (or its change log once it is gone). */
export const KIND_TYPE = { "pdm-endpoint": "netbox_pdm.pdmendpoint", "pdm-remote": "netbox_pdm.pdmremote" } as const;

const GROUPS = [
  { action: "create", title: "Added", tone: "green", hint: "objects the branch creates" },
  { action: "update", title: "Changed", tone: "blue", hint: "fields the run found changed in PDM (branch), beside edits made on main since the run started" },
  { action: "delete", title: "Deleted", tone: "red", hint: "objects the branch deletes" },
] as const;

/** Where a remote's file says it lives: its PDM endpoint's name. */
function endpointOf(e: BranchDiffEntry): string | null {
  if (e.kind !== "pdm-remote") return null;
  const seg = e.path.split("/")[1];
  if (!seg) return null;
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}

export interface DiffSummary {
  conflicts: number;
  conflictObjects: number;
  collisions: number;
}

export function summarizeDiff(entries: BranchDiffEntry[]): DiffSummary {
  return {
    conflicts: entries.reduce((n, e) => n + e.conflicts.length, 0),
    conflictObjects: entries.filter((e) => e.conflicts.length > 0).length,
    collisions: entries.filter((e) => e.collision).length,
  };
}

function Th({ children, className = "" }: { children: ReactNode; className?: string }) {
  return <th className={`px-3 py-1.5 text-left text-xs font-medium uppercase tracking-wide text-slate-500 ${className}`}>{children}</th>;
}

function FieldTable({ entry, names, mainLabel }: { entry: Entry; names: RefNames; mainLabel: string }) {
  const cols = entry.action === "create" ? (["branch"] as const) : entry.action === "delete" ? (["base", "main"] as const) : (["base", "branch", "main"] as const);
  const heading = { base: "Base", branch: entry.action === "create" ? "Value" : "Branch", main: mainLabel };
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full table-fixed text-sm">
        <thead className="bg-slate-50">
          <tr>
            <Th className="w-28 sm:w-44">Field</Th>
            {cols.map((c) => (
              <Th key={c}>{heading[c]}</Th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {entry.fields.map((f) => {
            const mainMoved = !sameValue(f.main, f.base);
            return (
              <tr
                key={f.field}
                className={f.conflict ? "bg-red-50/70 align-top" : "align-top"}
                data-testid={f.conflict ? "conflict-row" : "field-row"}
                data-field={f.field}
              >
                <th scope="row" className={`px-3 py-1.5 text-left font-mono text-xs font-medium ${f.conflict ? "border-l-4 border-red-500 text-red-900" : "border-l-4 border-transparent text-slate-700"}`}>
                  {f.field}
                  {f.conflict && (
                    <span className="ml-2 align-middle">
                      <Badge tone="red">conflict</Badge>
                    </span>
                  )}
                </th>
                {cols.map((c) => (
                  <td
                    key={c}
                    data-col={c}
                    className={`px-3 py-1.5 ${
                      c === "base"
                        ? "text-slate-500"
                        : c === "branch"
                          ? entry.action === "create"
                            ? "text-slate-900"
                            : f.branch_changed
                              ? "font-medium text-emerald-800"
                              : "text-slate-400"
                          : f.conflict
                            ? "font-medium text-red-800"
                            : mainMoved
                              ? "text-slate-900"
                              : "text-slate-400"
                    }`}
                  >
                    {c === "main" && entry.main_missing ? (
                      <span className="italic text-slate-500">deleted on main</span>
                    ) : (
                      <FieldValue field={f.field} value={f[c]} names={names} />
                    )}
                    {c === "main" && !entry.main_missing && !f.conflict && !mainMoved && entry.action === "update" && <span className="sr-only"> (unchanged since base)</span>}
                    {c === "branch" && entry.action === "update" && !f.branch_changed && <span className="sr-only"> (the run leaves it as it was)</span>}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

type Entry = BranchDiffEntry & { main_missing: boolean };

/** An object main no longer has (a create is not on main by definition). */
function mainMissing(e: BranchDiffEntry): boolean {
  return e.action !== "create" && !e.main_exists;
}

function ObjectBlock({ entry, names, mainLabel, existing }: { entry: Entry; names: RefNames; mainLabel: string; existing: Set<string> }) {
  const endpoint = endpointOf(entry);
  const flagged = entry.conflicts.length > 0 || entry.collision !== null;
  const title = (
    <span className="flex min-w-0 flex-wrap items-center gap-x-2 gap-y-1">
      <span className="text-xs font-medium uppercase tracking-wide text-slate-500">{KIND_LABEL[entry.kind]}</span>
      {entry.id !== null && existing.has(`${KIND_TYPE[entry.kind]}:${entry.id}`) ? (
        <Link href={uiUrl(KIND_TYPE[entry.kind], entry.id)} className="font-semibold text-brand-700 hover:underline">
          {entry.name}
        </Link>
      ) : entry.id !== null ? (
        <Link href={changelogUrl(KIND_TYPE[entry.kind], entry.id)} className="font-semibold text-brand-700 hover:underline" title="This object no longer exists: its change log">
          {entry.name}
        </Link>
      ) : (
        <span className="font-semibold text-slate-900">{entry.name}</span>
      )}
      {endpoint && <span className="text-xs text-slate-500">on {endpoint}</span>}
      {entry.conflicts.length > 0 && <Badge tone="red">{entry.conflicts.length === 1 ? "1 conflict" : `${entry.conflicts.length} conflicts`}</Badge>}
      {entry.collision && <Badge tone="amber">name collision</Badge>}
      {entry.main_missing && entry.action !== "create" && <Badge tone="amber">deleted on main</Badge>}
      <span className="text-xs text-slate-500">
        {entry.fields.length} field{entry.fields.length === 1 ? "" : "s"}
      </span>
    </span>
  );
  const body = (
    <>
      {entry.collision && (
        <p className="border-b border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="collision">
          Main already has another object at <code className="font-mono text-xs">{entry.collision.path}</code>: merging would create a second object with this name.
        </p>
      )}
      <FieldTable entry={entry} names={names} mainLabel={mainLabel} />
    </>
  );
  const frame = `overflow-hidden rounded-md border bg-white ${flagged ? "border-red-300 ring-1 ring-red-100" : "border-slate-200"}`;
  // Changed objects are what a reviewer reads; additions and deletions without trouble fold away.
  if (entry.action === "update" || flagged) {
    return (
      <article className={frame} data-testid="diff-object" data-name={entry.name} data-action={entry.action}>
        <header className="border-b border-slate-200 bg-slate-50/60 px-3 py-2">{title}</header>
        {body}
      </article>
    );
  }
  return (
    <details className={`${frame} group`} data-testid="diff-object" data-name={entry.name} data-action={entry.action}>
      <summary className="flex cursor-pointer list-none items-center gap-2 px-3 py-2 hover:bg-slate-50">
        <span aria-hidden className="text-slate-400 transition-transform group-open:rotate-90">
          ▸
        </span>
        {title}
      </summary>
      <div className="border-t border-slate-200">{body}</div>
    </details>
  );
}

export function BranchDiffView({ entries, names, mainLabel, existing }: { entries: BranchDiffEntry[]; names: RefNames; mainLabel: string; existing: Set<string> }) {
  if (!entries.length) return <p className="text-sm text-slate-600">This branch changes nothing compared with its base.</p>;
  return (
    <div className="space-y-6">
      {GROUPS.map((g) => {
        const group: Entry[] = entries
          .filter((e) => e.action === g.action)
          .map((e) => ({ ...e, main_missing: mainMissing(e) }))
          // Trouble first, then by name.
          .sort((a, b) => Number(b.conflicts.length > 0 || !!b.collision) - Number(a.conflicts.length > 0 || !!a.collision) || a.name.localeCompare(b.name));
        if (!group.length) return null;
        return (
          <section key={g.action} aria-labelledby={`diff-${g.action}`} data-testid={`diff-group-${g.action}`}>
            <h3 id={`diff-${g.action}`} className="mb-2 flex items-center gap-2 text-sm font-semibold text-slate-800">
              <Badge tone={g.tone}>{g.title}</Badge>
              <span>
                {group.length} object{group.length === 1 ? "" : "s"}
              </span>
              <span className="font-normal text-slate-500">— {g.hint}</span>
            </h3>
            <div className="space-y-3">
              {group.map((e) => (
                <ObjectBlock key={e.identity} entry={e} names={names} mainLabel={mainLabel} existing={existing} />
              ))}
            </div>
          </section>
        );
      })}
    </div>
  );
}
