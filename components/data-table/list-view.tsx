import Link from "next/link";
import type { ReactNode } from "react";
import { PageHeader, type Crumb } from "@/components/layout/page-header";
import { LinkButton, buttonClass } from "@/components/ui/button";
import type { Page } from "@/lib/services/list";
import type { Kind } from "@/lib/ui/kinds";
import { PER_PAGE_CHOICES, withParams, type UiListState } from "@/lib/ui/search-params";
import { BulkTable, type HeaderCell } from "./bulk-table";

// A NetBox list page: title and actions, quick search and filters (a GET form: the URL is the
// state), a sortable table with bulk delete, pagination, CSV export of the filtered list.

export interface Column<R> {
  label: string;
  /** The `sort` key; omit for unsortable columns. */
  sort?: string;
  render(r: R): ReactNode;
}

export interface ListFilter {
  name: string;
  label: string;
  options?: { value: string; label: string }[];
}

export interface ListViewProps<R extends { id: number; display: string }> {
  title: string;
  crumbs?: Crumb[];
  path: string;
  kind?: Kind;
  page: Page<R>;
  state: UiListState;
  columns: Column<R>[];
  filters?: ListFilter[];
  canWrite: boolean;
  addHref?: string;
  exportHref?: string;
  empty: ReactNode;
  extraActions?: ReactNode;
}

function sortHeader(path: string, state: UiListState, col: { label: string; sort?: string }): HeaderCell {
  if (!col.sort) return { label: col.label };
  const active = state.sort === col.sort ? "asc" : state.sort === `-${col.sort}` ? "desc" : undefined;
  const next = active === "asc" ? `-${col.sort}` : col.sort;
  return { label: col.label, href: withParams(path, state.params, { sort: next, page: null }), active };
}

export function ListView<R extends { id: number; display: string }>(props: ListViewProps<R>) {
  const { page, state, path } = props;
  const filtered = [...state.params.keys()].some((k) => !["sort", "page", "per_page"].includes(k));
  const first = page.count === 0 ? 0 : page.offset + 1;
  const last = Math.min(page.offset + page.results.length, page.count);
  const pages = Math.max(1, Math.ceil(page.count / state.perPage));
  const exportQuery = new URLSearchParams(state.params);
  for (const k of ["page", "per_page"]) exportQuery.delete(k);
  return (
    <>
      <PageHeader
        title={props.title}
        crumbs={props.crumbs}
        actions={
          <>
            {props.extraActions}
            {props.exportHref && (
              <a className={buttonClass("secondary")} href={`${props.exportHref}${exportQuery.size ? `?${exportQuery}` : ""}`} download>
                Export CSV
              </a>
            )}
            {props.canWrite && props.addHref && (
              <LinkButton variant="primary" href={props.addHref}>
                + Add
              </LinkButton>
            )}
          </>
        }
      />
      <form method="get" action={path} className="mb-4 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3" role="search">
        <div>
          <label htmlFor="list-q" className="block text-xs font-medium text-slate-600">
            Quick search
          </label>
          <input id="list-q" name="q" defaultValue={state.params.get("q") ?? ""} placeholder="Search…" className="mt-1 w-56 rounded-md border border-slate-300 px-2 py-1.5 text-sm" />
        </div>
        {(props.filters ?? []).map((f) => (
          <div key={f.name}>
            <label htmlFor={`filter-${f.name}`} className="block text-xs font-medium text-slate-600">
              {f.label}
            </label>
            {f.options ? (
              <select id={`filter-${f.name}`} name={f.name} defaultValue={state.params.get(f.name) ?? ""} className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm">
                <option value="">Any</option>
                {f.options.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            ) : (
              <input id={`filter-${f.name}`} name={f.name} defaultValue={state.params.get(f.name) ?? ""} className="mt-1 w-40 rounded-md border border-slate-300 px-2 py-1.5 text-sm" />
            )}
          </div>
        ))}
        <div>
          <label htmlFor="list-per-page" className="block text-xs font-medium text-slate-600">
            Per page
          </label>
          <select id="list-per-page" name="per_page" defaultValue={String(state.perPage)} className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm">
            {PER_PAGE_CHOICES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
        {state.sort && <input type="hidden" name="sort" value={state.sort} />}
        <button type="submit" className={buttonClass("primary")}>
          Apply
        </button>
        {filtered && (
          <Link href={path} className={buttonClass("ghost")}>
            Reset
          </Link>
        )}
      </form>
      {page.count === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-sm text-slate-600" data-testid="empty-state">
          {filtered ? "No objects match these filters." : props.empty}
        </div>
      ) : (
        <>
          <BulkTable
            kind={props.kind}
            canDelete={props.canWrite}
            headers={props.columns.map((c) => sortHeader(path, state, c))}
            rows={page.results.map((r) => ({ id: r.id, name: r.display, cells: props.columns.map((c) => c.render(r)) }))}
          />
          <nav aria-label="Pagination" className="mt-3 flex flex-wrap items-center justify-between gap-2 text-sm text-slate-600">
            <span data-testid="list-count">
              Showing {first}–{last} of {page.count}
            </span>
            <span className="flex items-center gap-1">
              {state.page > 1 && (
                <Link className={buttonClass("secondary")} href={withParams(path, state.params, { page: String(state.page - 1) })} rel="prev">
                  ‹ Previous
                </Link>
              )}
              <span className="px-2">
                Page {Math.min(state.page, pages)} of {pages}
              </span>
              {state.page < pages && (
                <Link className={buttonClass("secondary")} href={withParams(path, state.params, { page: String(state.page + 1) })} rel="next">
                  Next ›
                </Link>
              )}
            </span>
          </nav>
        </>
      )}
    </>
  );
}
