import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import { PageHeader } from "@/components/layout/page-header";
import { AttributeTable } from "@/components/objects/detail";
import { ChangedObject, changedFields } from "@/components/objects/changelog";
import { Card } from "@/components/ui/card";
import { pageContext } from "@/lib/auth/session";
import { isObjectType, OBJECT_TYPES } from "@/lib/object-types";
import { existingChangedObjects, getObjectChange } from "@/lib/services/changelog/queries";
import { formatDateTime } from "@/lib/ui/format";
import { changelogUrl } from "@/lib/ui/kinds";

function Json({ data }: { data: Record<string, unknown> | null }) {
  if (!data) return <p className="text-sm text-slate-500">—</p>;
  return <pre className="overflow-x-auto rounded bg-slate-50 p-3 text-xs">{JSON.stringify(data, null, 2)}</pre>;
}

/** The change behind the page, loaded once per request for the title and the page. */
const loadChange = cache(async (id: string) => (/^\d{1,10}$/.test(id) ? getObjectChange(await pageContext(), Number(id)).catch(() => null) : null));

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const c = await loadChange((await params).id);
  return { title: c ? `${c.object_repr} ${c.action}d | Change Log` : "Not found | Change Log" };
}

// One change: attributes, the changed fields, and the whole before/after data (NetBox's view).
export default async function ChangePage({ params }: { params: Promise<{ id: string }> }) {
  const c = await loadChange((await params).id);
  if (!c) notFound();
  const type = isObjectType(c.changed_object_type) ? c.changed_object_type : null;
  const existing = await existingChangedObjects(await pageContext(), [c]);
  return (
    <>
      <PageHeader title={`${c.object_repr} ${c.action}d`} crumbs={[{ label: "Change Log", href: "/core/changelog/" }, { label: `#${c.id}` }]} />
      <div className="grid gap-5 lg:grid-cols-2">
        <Card title="Change">
          <AttributeTable
            rows={[
              ["Time", formatDateTime(c.time)],
              ["User", c.user_name],
              ["Request id", <span key="r" className="font-mono text-xs">{c.request_id}</span>],
              ["Action", c.action],
              ["Object type", type ? OBJECT_TYPES[type].label : c.changed_object_type],
              ["Object", <ChangedObject key="o" change={c} existing={existing} />],
              ["Object's changes", <Link key="h" href={changelogUrl(c.changed_object_type, c.changed_object_id)} className="text-brand-700 hover:underline">All changes of this object</Link>],
              ["Sync run", c.sync_run ? <Link key="s" href={`/plugins/pdm/sync-runs/${c.sync_run}/`} className="text-brand-700 hover:underline">#{c.sync_run}</Link> : "—"],
            ]}
          />
        </Card>
        <Card title="Changed fields">
          <AttributeTable rows={changedFields(c).map((d) => [d.field, <span key={d.field} className="text-xs"><span className="text-red-700">{JSON.stringify(d.before) ?? "—"}</span> → <span className="text-emerald-700">{JSON.stringify(d.after) ?? "—"}</span></span>])} />
        </Card>
        <Card title="Before">
          <Json data={c.prechange_data} />
        </Card>
        <Card title="After">
          <Json data={c.postchange_data} />
        </Card>
      </div>
    </>
  );
}
