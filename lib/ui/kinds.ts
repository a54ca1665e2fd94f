import { isKind, KIND_TYPES, objectType, type Kind, type ObjectType } from "@/lib/object-types";

// The object kinds the UI lists, shows and edits (the registry's types with a `kind`), with their
// NetBox URLs. Client-safe: metadata only (the services behind them are in
// lib/services/registry.ts).

export { isKind, type Kind };

export function kindInfo(kind: Kind) {
  const t = objectType(KIND_TYPES[kind]);
  return { objectType: t.type, write: t.permissions.write, read: t.permissions.read, canAdd: t.canAdd, nameField: t.nameField, label: t.label, plural: t.plural, path: t.uiPath };
}

/** The UI page of any object by type and id (for links from references and the change log). */
export function uiUrl(type: ObjectType, id: number | string): string {
  const t = objectType(type);
  // The settings are one object with one page; tokens are managed on their list.
  return t.detailPages ? `${t.uiPath}${id}/` : t.uiPath;
}

/** An object's change log, which outlives the object (the link for objects deleted since). */
export function changelogUrl(type: string, id: number): string {
  return `/core/changelog/?changed_object_type=${encodeURIComponent(type)}&changed_object_id=${id}`;
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
