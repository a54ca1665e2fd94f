import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { NAV } from "@/components/layout/nav-config";
import { objectView } from "@/components/objects/pages";
import { CONFIGS } from "@/components/objects/registry";
import { buildOpenApiDocument } from "@/lib/api/openapi";
import { KIND_TYPES, OBJECT_TYPES, objectType, type Kind, type ObjectType } from "@/lib/object-types";
import { crudServices, serviceOf } from "@/lib/services/registry";
import { resolve } from "@/tests/api/routes";

// ARCHITECTURE's "add an object type" checklist, proved: every type the registry declares has its
// REST routes, its OpenAPI paths, its pages and its nav entry; every kind its service and UI config.

const TYPES = Object.keys(OBJECT_TYPES) as ObjectType[];
const KINDS = Object.keys(KIND_TYPES) as Kind[];
const doc = buildOpenApiDocument("http://testserver") as { paths: Record<string, Record<string, unknown>> };

/** A page file of its own under app/(app) for a UI path (the types without a generic kind). */
function pageFileExists(uiPath: string): boolean {
  return fs.existsSync(path.join(process.cwd(), "app", "(app)", ...uiPath.split("/").filter(Boolean), "page.tsx"));
}

describe("the object registry", () => {
  it.each(TYPES)("%s has its list route and OpenAPI path", (type) => {
    const t = objectType(type);
    const list = resolve(t.apiPath);
    expect(list, `${t.apiPath}: no route`).not.toBeNull();
    expect(list!.module.GET, `${t.apiPath}: no GET`).toBeTypeOf("function");
    expect(doc.paths[t.apiPath], `${t.apiPath}: not in /api/schema/`).toBeDefined();
  });

  it.each(KINDS)("kind %s has a service, a UI config, detail routes, OpenAPI detail paths and every page", (kind) => {
    const t = objectType(KIND_TYPES[kind]);
    expect(serviceOf(kind).definition.objectType).toBe(t.type);
    expect(CONFIGS[kind]).toBeDefined();
    const detail = resolve(`${t.apiPath}7/`);
    for (const m of ["GET", "PUT", "PATCH", "DELETE"]) expect(detail?.module[m], `${m} ${t.apiPath}{id}/`).toBeTypeOf("function");
    expect(detail?.params).toEqual({ id: "7" });
    expect(Object.keys(doc.paths[`${t.apiPath}{id}/`] ?? {})).toEqual(expect.arrayContaining(["get", "put", "patch", "delete"]));
    const segments = (p: string) => p.split("/").filter(Boolean);
    expect(objectView(segments(t.uiPath))).toEqual({ kind, view: "list", id: null });
    expect(objectView(segments(`${t.uiPath}7/`))).toEqual({ kind, view: "detail", id: "7" });
    expect(objectView(segments(`${t.uiPath}7/edit/`))).toEqual({ kind, view: "edit", id: "7" });
    expect(objectView(segments(`${t.uiPath}7/changelog/`))).toEqual({ kind, view: "changelog", id: "7" });
    if (t.canAdd) expect(objectView(segments(`${t.uiPath}add/`))).toEqual({ kind, view: "add", id: null });
  });

  it.each(TYPES.filter((t) => !objectType(t).kind))("%s has a page of its own", (type) => {
    expect(pageFileExists(objectType(type).uiPath), objectType(type).uiPath).toBe(true);
  });

  it.each(TYPES.filter((t) => objectType(t).nav))("%s is in the navigation", (type) => {
    const t = objectType(type);
    const items = NAV.flatMap((m) => m.groups.flatMap((g) => g.items.map((i) => ({ ...i, menu: m.label, group: g.label }))));
    expect(items).toContainEqual(expect.objectContaining({ href: t.uiPath, label: t.nav!.label, menu: t.nav!.menu, group: t.nav!.group }));
  });

  it("every CRUD service is a registered kind, and unknown paths are no route", () => {
    expect(crudServices().map(([k]) => k).sort()).toEqual([...KINDS].sort());
    expect(objectView(["nowhere"])).toBeNull();
    expect(resolve("/api/nowhere/")).toBeNull();
  });
});
