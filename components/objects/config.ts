import type { ReactNode } from "react";
import type { ServiceContext } from "@/lib/services/context";
import type { Column, ListFilter } from "@/components/data-table/list-view";
import type { FieldSpec, FormValues } from "./object-form";

/** What the generic pages need to know about one kind (house style rule 3: the per-type pieces). */
export interface KindConfig<R extends { id: number; display: string }> {
  columns: Column<R>[];
  filters?(ctx: ServiceContext): Promise<ListFilter[]>;
  empty: ReactNode;
  /** An edit page of its own, instead of the generic form (remotes: the link override only). */
  edit?(ctx: ServiceContext, rec: R): Promise<ReactNode>;
  /** Form fields (options loaded for the actor). */
  fields?(ctx: ServiceContext, rec: R | null): Promise<FieldSpec[]>;
  initial?(rec: R | null): FormValues;
  /** The Details tab. */
  detail(ctx: ServiceContext, rec: R, canWrite: boolean): Promise<ReactNode>;
  /** Header actions on the list page (e.g. Sync now for every endpoint). */
  listActions?(ctx: ServiceContext): ReactNode;
  /** Header actions on the detail page (Sync now, Test connection…). */
  detailActions?(rec: R, canWrite: boolean): ReactNode;
  canEdit?: boolean;
  deleteConsequence?(rec: R): string | undefined;
  /** CSV columns (defaults: the table's). */
  csv?: { header: string; value(r: R): unknown }[];
}

export const opt = (items: { id: number; display: string }[]) => items.map((i) => ({ value: String(i.id), label: i.display }));
export const str = (v: unknown) => (v === null || v === undefined ? "" : String(v));
