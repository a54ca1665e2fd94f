import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import { ListView } from "@/components/data-table/list-view";
import { PageHeader } from "@/components/layout/page-header";
import { can } from "@/lib/auth/permissions";
import { pageContext } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { listObjectChanges } from "@/lib/services/changelog/queries";
import { serviceOf } from "@/lib/services/registry";
import type { BaseRecord } from "@/lib/services/crud";
import { KIND_TYPES } from "@/lib/object-types";
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
  const rec = /^\d{1,10}$/.test(rawId) && can(ctx.actor, readPermission(kind)) ? await serviceOf(kind).get(ctx, Number(rawId)) : null;
  return { ctx, rec };
});

async function loadOr404(kind: Kind, rawId: string) {
  const { ctx, rec } = await loadRecord(kind, rawId);
  if (!rec) notFound();
  return { ctx, rec };
}

function readPermission(kind: Kind) {
  return kindInfo(kind).read;
}

export async function ListPage({ kind, searchParams }: { kind: Kind; searchParams: Promise<RawSearchParams> }) {
  const ctx = await pageContext();
  const info = kindInfo(kind);
  const config = CONFIGS[kind];
  const state = parseListState(await searchParams);
  if (!can(ctx.actor, readPermission(kind))) return <Forbidden what={`see ${info.plural}`} back="/" />;
  let page;
  try {
    page = await serviceOf(kind).list(ctx, state.input);
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
  if (!config.edit && (!config.fields || !config.initial)) notFound();
  if (!can(ctx.actor, info.write)) return <Forbidden what={`edit ${info.plural}`} back={`${info.path}${rec.id}/`} />;
  return (
    <>
      <PageHeader
        title={`Edit ${rec.display}`}
        crumbs={[{ label: capitalize(info.plural), href: info.path }, { label: rec.display, href: `${info.path}${rec.id}/` }, { label: "Edit" }]}
      />
      {config.edit ? (
        await config.edit(ctx, rec)
      ) : (
        <ObjectForm kind={kind} id={rec.id} fields={await config.fields!(ctx, rec)} initial={config.initial!(rec)} cancelHref={`${info.path}${rec.id}/`} />
      )}
    </>
  );
}

// ---- The generic pages' routes, derived from the registry (app/(app)/[...path]/page.tsx).

type View = { kind: Kind; view: "list" | "add" | "detail" | "edit" | "changelog"; id: string | null };

/** Which kind and view a UI path is: `<uiPath>`, `add/`, `<id>/`, `<id>/edit/`, `<id>/changelog/`. */
export function objectView(segments: string[]): View | null {
  const path = `/${segments.join("/")}/`;
  for (const kind of Object.keys(KIND_TYPES) as Kind[]) {
    const base = kindInfo(kind).path;
    if (!path.startsWith(base)) continue;
    const rest = path.slice(base.length).split("/").filter(Boolean);
    if (rest.length === 0) return { kind, view: "list", id: null };
    if (rest.length === 1 && rest[0] === "add") return { kind, view: "add", id: null };
    if (rest.length === 1) return { kind, view: "detail", id: rest[0]! };
    if (rest.length === 2 && (rest[1] === "edit" || rest[1] === "changelog")) return { kind, view: rest[1], id: rest[0]! };
  }
  return null;
}

type PathParams = { params: Promise<{ path: string[] }> };

export async function objectPageMetadata({ params }: PathParams): Promise<Metadata> {
  const v = objectView((await params).path);
  if (!v) return {};
  if (v.view === "list") return listMetadata(v.kind);
  if (v.view === "add") return addMetadata(v.kind);
  return recordMetadata(v.kind, v.view === "detail" ? "details" : v.view)({ params: Promise.resolve({ id: v.id! }) });
}

/** Every generic page of every registered kind. */
export async function ObjectPage({ params, searchParams }: PathParams & { searchParams: Promise<RawSearchParams> }) {
  const v = objectView((await params).path);
  if (!v) notFound();
  const idParams = { params: Promise.resolve({ id: v.id ?? "" }) };
  switch (v.view) {
    case "list":
      return <ListPage kind={v.kind} searchParams={searchParams} />;
    case "add":
      return <AddPage kind={v.kind} />;
    case "detail":
      return <DetailPage kind={v.kind} params={idParams.params} />;
    case "edit":
      return <EditPage kind={v.kind} params={idParams.params} />;
    case "changelog":
      return <ChangelogPage kind={v.kind} params={idParams.params} />;
  }
}
