import type { Metadata } from "next";
import Link from "next/link";
import { ListView } from "@/components/data-table/list-view";
import { ChangeAuthor, ChangeDiff, ChangedObject } from "@/components/objects/changelog";
import { Badge } from "@/components/ui/badge";
import { pageContext } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { isObjectType, OBJECT_TYPES } from "@/lib/object-types";
import { existingChangedObjects, listObjectChanges, type ObjectChangeRecord } from "@/lib/services/changelog/queries";
import { formatDateTime } from "@/lib/ui/format";
import { parseListState, type RawSearchParams } from "@/lib/ui/search-params";

export const metadata: Metadata = { title: "Change Log" };

const TONE = { create: "green", update: "blue", delete: "red" } as const;

export default async function ChangelogPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const ctx = await pageContext();
  const state = parseListState(await searchParams);
  if (!state.sort) state.input.ordering = ["-time"];
  let page;
  try {
    page = await listObjectChanges(ctx, state.input);
  } catch (err) {
    if (!isAppError(err) || err.code !== "validation") throw err;
    page = { count: 0, limit: state.perPage, offset: 0, results: [] as ObjectChangeRecord[] };
  }
  const existing = await existingChangedObjects(ctx, page.results);
  return (
    <ListView<ObjectChangeRecord>
      title="Change Log"
      crumbs={[{ label: "Admin" }, { label: "Change Log" }]}
      path="/core/changelog/"
      page={page}
      state={state}
      canWrite={false}
      exportHref="/export/change/"
      empty="No changes recorded yet."
      filters={[
        { name: "action", label: "Action", options: ["create", "update", "delete"].map((a) => ({ value: a, label: a })) },
        { name: "changed_object_type", label: "Type", options: Object.entries(OBJECT_TYPES).map(([k, v]) => ({ value: k, label: v.label })) },
        { name: "user_name", label: "User" },
        { name: "sync_run_id", label: "Sync run" },
      ]}
      columns={[
        { label: "Time", sort: "time", render: (c) => <Link href={`/core/changelog/${c.id}/`} className="text-brand-700 hover:underline">{formatDateTime(c.time)}</Link> },
        { label: "User", sort: "user_name", render: (c) => <ChangeAuthor change={c} /> },
        { label: "Action", sort: "action", render: (c) => <Badge tone={TONE[c.action]}>{c.action}</Badge> },
        { label: "Type", render: (c) => (isObjectType(c.changed_object_type) ? OBJECT_TYPES[c.changed_object_type].label : c.changed_object_type) },
        { label: "Object", render: (c) => <ChangedObject change={c} existing={existing} /> },
        { label: "Changes", render: (c) => <ChangeDiff change={c} /> },
      ]}
    />
  );
}
