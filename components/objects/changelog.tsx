import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { isObjectType, OBJECT_TYPES } from "@/lib/object-types";
import type { ObjectChangeRecord } from "@/lib/services/changelog/queries";
import { changelogUrl, uiUrl } from "@/lib/ui/kinds";
import { formatDateTime } from "@/lib/ui/format";

// NetBox's changelog: who changed what when, with the fields that changed before → after.

const ACTION_TONE = { create: "green", update: "blue", delete: "red" } as const;

function show(v: unknown): string {
  if (v === null || v === undefined) return "—";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** The change log's CSV columns (NetBox's ObjectChange export); the data is already secret-free. */
export const CHANGE_CSV: { header: string; value(c: ObjectChangeRecord): unknown }[] = [
  { header: "id", value: (c) => c.id },
  { header: "time", value: (c) => c.time.toISOString() },
  { header: "user_name", value: (c) => c.user_name },
  { header: "request_id", value: (c) => c.request_id },
  { header: "action", value: (c) => c.action },
  { header: "changed_object_type", value: (c) => c.changed_object_type },
  { header: "changed_object_id", value: (c) => c.changed_object_id },
  { header: "object_repr", value: (c) => c.object_repr },
  { header: "sync_run", value: (c) => c.sync_run ?? "" },
  { header: "prechange_data", value: (c) => (c.prechange_data ? JSON.stringify(c.prechange_data) : "") },
  { header: "postchange_data", value: (c) => (c.postchange_data ? JSON.stringify(c.postchange_data) : "") },
];

export function changedFields(c: ObjectChangeRecord): { field: string; before: unknown; after: unknown }[] {
  const pre = c.prechange_data ?? {};
  const post = c.postchange_data ?? {};
  const keys = [...new Set([...Object.keys(pre), ...Object.keys(post)])].filter((k) => !["last_updated", "created"].includes(k));
  return keys.filter((k) => JSON.stringify(pre[k]) !== JSON.stringify(post[k])).map((k) => ({ field: k, before: pre[k], after: post[k] }));
}

export function ChangeDiff({ change }: { change: ObjectChangeRecord }) {
  // Creates and deletes list every field: the change's own page shows them; keep lists short.
  if (change.action !== "update") {
    return (
      <Link href={`/core/changelog/${change.id}/`} className="text-xs text-slate-500 hover:text-brand-700 hover:underline">
        {change.action === "create" ? "created" : "deleted"} — view data
      </Link>
    );
  }
  const diffs = changedFields(change);
  if (!diffs.length) return <span className="text-slate-400">no field changes</span>;
  return (
    <table className="text-xs">
      <tbody>
        {diffs.map((d) => (
          <tr key={d.field}>
            <td className="pr-3 font-medium text-slate-600">{d.field}</td>
            <td className="max-w-xs truncate pr-2 text-red-700 line-through decoration-red-300" title={show(d.before)}>
              {show(d.before)}
            </td>
            <td className="px-1 text-slate-400">→</td>
            <td className="max-w-xs truncate text-emerald-700" title={show(d.after)}>
              {show(d.after)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Who made a change: a person or token owner, a sync run, or a person merging a run's branch
 * (then both: the person, and the run whose changes they applied).
 */
export function ChangeAuthor({ change: c }: { change: ObjectChangeRecord }) {
  if (!c.sync_run) return <>{c.user_name}</>;
  const run = (
    <Link href={`/plugins/pdm/sync-runs/${c.sync_run}/`} className="text-brand-700 hover:underline">
      {c.user ? `sync run #${c.sync_run}` : c.user_name}
    </Link>
  );
  if (!c.user) return run;
  return (
    <span data-testid="change-merged-by">
      {c.user_name} <span className="text-slate-500">merging</span> {run}
    </span>
  );
}

/**
 * The changed object: a link to its page while it exists, else to its change log (a deleted
 * object has no page, but its history stays).
 */
export function ChangedObject({ change: c, existing }: { change: ObjectChangeRecord; existing: Set<string> }) {
  const type = isObjectType(c.changed_object_type) ? c.changed_object_type : null;
  if (type && existing.has(`${type}:${c.changed_object_id}`)) {
    return (
      <Link href={uiUrl(type, c.changed_object_id)} className="text-brand-700 hover:underline">
        {c.object_repr}
      </Link>
    );
  }
  return (
    <span>
      <Link href={changelogUrl(c.changed_object_type, c.changed_object_id)} className="text-brand-700 hover:underline" title="This object no longer exists: its change log">
        {c.object_repr}
      </Link>{" "}
      <span className="text-xs text-slate-500">(deleted)</span>
    </span>
  );
}

export function ChangelogTable({ changes, showObject = false, existing = new Set() }: { changes: ObjectChangeRecord[]; showObject?: boolean; existing?: Set<string> }) {
  if (!changes.length) return <p className="text-sm text-slate-600">No changes recorded.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full text-sm" data-testid="changelog">
        <thead className="text-left text-xs uppercase text-slate-500">
          <tr>
            <th className="py-2 pr-3">Time</th>
            <th className="py-2 pr-3">User</th>
            <th className="py-2 pr-3">Action</th>
            {showObject && <th className="py-2 pr-3">Object</th>}
            <th className="py-2">Changes</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {changes.map((c) => (
            <tr key={c.id} className="align-top" data-testid="change-row">
              <td className="whitespace-nowrap py-2 pr-3">
                <Link href={`/core/changelog/${c.id}/`} className="text-brand-700 hover:underline">
                  {formatDateTime(c.time)}
                </Link>
              </td>
              <td className="whitespace-nowrap py-2 pr-3">
                <ChangeAuthor change={c} />
              </td>
              <td className="py-2 pr-3">
                <Badge tone={ACTION_TONE[c.action]}>{c.action}</Badge>
              </td>
              {showObject && (
                <td className="py-2 pr-3">
                  <span className="text-slate-500">{isObjectType(c.changed_object_type) ? OBJECT_TYPES[c.changed_object_type].label : c.changed_object_type}</span>{" "}
                  <ChangedObject change={c} existing={existing} />
                </td>
              )}
              <td className="py-2">
                <ChangeDiff change={c} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
