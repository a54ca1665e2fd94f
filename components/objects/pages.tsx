import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import { SERVICES } from "@/app/(app)/object-services";
import { ListView } from "@/components/data-table/list-view";
import { PageHeader } from "@/components/layout/page-header";
import { can } from "@/lib/auth/permissions";
import { pageContext } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { listObjectChanges } from "@/lib/services/changelog/queries";
import type { BaseRecord } from "@/lib/services/crud";
import { capitalize, kindInfo, type Kind } from "@/lib/ui/kinds";
import { parseListState, type RawSearchParams } from "@/lib/ui/search-params";
import { ChangelogTable } from "./changelog";
import { DetailShell } from "./detail";
import { ObjectForm } from "./object-form";
import { CONFIGS } from "./registry";

// The generic pages behind every kind's routes: list, detail, changelog, add, edit.

type IdParams = { params: Promise<{ id: string }> };

export function Forbidden({ what, back }: { what: string; back: string }) {
  return (
    <>
      <PageHeader title="Permission denied" />
      <p className="rounded-lg border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900" role="alert">
        Your role does not allow you to {what}. Ask an admin for the editor role.{" "}
        <Link href={back} className="font-medium underline">
          Go back
        </Link>
      </p>
    </>
  );
}

export function listMetadata(kind: Kind): Metadata {
  return { title: capitalize(kindInfo(kind).plural) };
}

/** The titles of a record's pages, before " | <Plural> | netbox-pdm" (the root layout adds the last). */
const RECORD_TITLES = {
  details: (display: string) => display,
  changelog: (display: string) => `${display} – Changelog`,
  edit: (display: string) => `Edit ${display}`,
};

/** generateMetadata for a record's page: "<display> | PDM remotes | netbox-pdm" and the like. */
export function recordMetadata(kind: Kind, page: keyof typeof RECORD_TITLES = "details") {
  return async ({ params }: IdParams): Promise<Metadata> => {
    const { rec } = await loadRecord(kind, (await params).id);
    const plural = capitalize(kindInfo(kind).plural);
    // No record (or no right to read it): the page is a 404, and the title names nothing.
    return { title: rec ? `${RECORD_TITLES[page](rec.display)} | ${plural}` : `Not found | ${plural}` };
  };
}

export function addMetadata(kind: Kind): Metadata {
  const info = kindInfo(kind);
  return { title: `Add a ${info.label} | ${capitalize(info.plural)}` };
}

/** The record behind a page, loaded once per request for both generateMetadata and the page. */
const loadRecord = cache(async (kind: Kind, rawId: string) => {
  const ctx = await pageContext();
  const rec = /^\d{1,10}$/.test(rawId) && can(ctx.actor, readPermission(kind)) ? await SERVICES[kind].get(ctx, Number(rawId)) : null;
  return { ctx, rec };
});

async function loadOr404(kind: Kind, rawId: string) {
  const { ctx, rec } = await loadRecord(kind, rawId);
  if (!rec) notFound();
  return { ctx, rec };
}

function readPermission(kind: Kind) {
  return SERVICES[kind].definition.permissions?.read ?? "inventory.read";
}

export async function ListPage({ kind, searchParams }: { kind: Kind; searchParams: Promise<RawSearchParams> }) {
  const ctx = await pageContext();
  const info = kindInfo(kind);
  const config = CONFIGS[kind];
  const state = parseListState(await searchParams);
  if (!can(ctx.actor, readPermission(kind))) return <Forbidden what={`see ${info.plural}`} back="/" />;
  let page;
  try {
    page = await SERVICES[kind].list(ctx, state.input);
  } catch (err) {
    // A filter value the list cannot use (e.g. site_id=abc) shows an empty, explained list.
    if (!isAppError(err) || err.code !== "validation") throw err;
    page = { count: 0, limit: state.perPage, offset: 0, results: [] };
  }
  const canWrite = can(ctx.actor, info.write);
  return (
    <ListView<BaseRecord>
      title={capitalize(info.plural)}
      path={info.path}
      kind={kind}
      page={page}
      state={state}
      columns={config.columns}
      filters={config.filters ? await config.filters(ctx) : []}
      canWrite={canWrite}
      addHref={info.canAdd ? `${info.path}add/` : undefined}
      exportHref={`/export/${kind}/`}
      empty={config.empty}
      extraActions={config.listActions?.(ctx)}
    />
  );
}

export async function DetailPage({ kind, params }: { kind: Kind } & IdParams) {
  const { ctx, rec } = await loadOr404(kind, (await params).id);
  const config = CONFIGS[kind];
  const canWrite = can(ctx.actor, kindInfo(kind).write);
  return (
    <DetailShell
      kind={kind}
      record={rec}
      tab="details"
      canWrite={canWrite}
      actions={config.detailActions?.(rec, canWrite)}
      deleteConsequence={config.deleteConsequence?.(rec)}
    >
      {await config.detail(ctx, rec, canWrite)}
    </DetailShell>
  );
}

export async function ChangelogPage({ kind, params }: { kind: Kind } & IdParams) {
  const { ctx, rec } = await loadOr404(kind, (await params).id);
  const info = kindInfo(kind);
  const changes = await listObjectChanges(ctx, { filters: { changed_object_type: [info.objectType], changed_object_id: [String(rec.id)] }, limit: 200 });
  return (
    <DetailShell kind={kind} record={rec} tab="changelog" canWrite={can(ctx.actor, info.write)}>
      <div className="rounded-lg border border-slate-200 bg-white p-4">
        <ChangelogTable changes={changes.results} />
      </div>
    </DetailShell>
  );
}

export async function AddPage({ kind }: { kind: Kind }) {
  const ctx = await pageContext();
  const info = kindInfo(kind);
  const config = CONFIGS[kind];
  if (!info.canAdd || !config.fields || !config.initial) notFound();
  if (!can(ctx.actor, info.write)) return <Forbidden what={`add ${info.plural}`} back={info.path} />;
  return (
    <>
      <PageHeader title={`Add a ${info.label}`} crumbs={[{ label: capitalize(info.plural), href: info.path }, { label: "Add" }]} />
      <ObjectForm kind={kind} id={null} fields={await config.fields(ctx, null)} initial={config.initial(null)} cancelHref={info.path} />
    </>
  );
}

export async function EditPage({ kind, params }: { kind: Kind } & IdParams) {
  const { ctx, rec } = await loadOr404(kind, (await params).id);
  const info = kindInfo(kind);
  const config = CONFIGS[kind];
  if (!config.fields || !config.initial) notFound();
  if (!can(ctx.actor, info.write)) return <Forbidden what={`edit ${info.plural}`} back={`${info.path}${rec.id}/`} />;
  return (
    <>
      <PageHeader
        title={`Edit ${rec.display}`}
        crumbs={[{ label: capitalize(info.plural), href: info.path }, { label: rec.display, href: `${info.path}${rec.id}/` }, { label: "Edit" }]}
      />
      <ObjectForm kind={kind} id={rec.id} fields={await config.fields(ctx, rec)} initial={config.initial(rec)} cancelHref={`${info.path}${rec.id}/`} />
    </>
  );
}
