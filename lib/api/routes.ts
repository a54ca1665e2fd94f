import "server-only";
import type { NextRequest } from "next/server";
import { OBJECT_TYPES, type ObjectType } from "@/lib/object-types";
import { crudServices } from "@/lib/services/registry";
import { crudRoutes } from "./crud-routes";
import { apiRoute } from "./handler";
import { detailResponse, jsonResponse } from "./responses";

// The REST API derived from the object registry: every registered CRUD type's list and detail
// endpoints at its apiPath, and NetBox's API roots (`/api/`, `/api/dcim/`, …: the endpoints below
// each prefix). app/api/[...path]/route.ts hands it every /api/ request no route file of its own
// claims (the sync, test, branch, settings, token and change-log endpoints have theirs); what
// neither knows is a JSON 404, as every /api/ answer is JSON.

type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
type Handlers = Partial<Record<string, Handler>>;

/** Paths the API serves outside the registry's types (they have route files of their own). */
const EXTRA_ENDPOINTS = ["/api/status/", "/api/schema/"];

interface Table {
  lists: Map<string, Handlers>;
  details: { prefix: string; handlers: Handlers }[];
  roots: Map<string, string[]>;
}

let table: Table | null = null;

/** The path's API roots: for `/api/plugins/pdm/endpoints/`, `/api/` → plugins/, `/api/plugins/` → pdm/, … */
function addToRoots(roots: Map<string, string[]>, path: string): void {
  const parts = path.split("/").filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const prefix = `/${parts.slice(0, i).join("/")}/`;
    const child = `${parts[i]}/`;
    const children = roots.get(prefix) ?? [];
    if (!children.includes(child)) children.push(child);
    roots.set(prefix, children);
  }
}

function build(): Table {
  const t: Table = { lists: new Map(), details: [], roots: new Map() };
  for (const [, service] of crudServices()) {
    const routes = crudRoutes(service);
    const path = OBJECT_TYPES[service.definition.objectType].apiPath;
    t.lists.set(path, routes.list);
    t.details.push({ prefix: path, handlers: routes.detail });
  }
  for (const type of Object.keys(OBJECT_TYPES) as ObjectType[]) addToRoots(t.roots, OBJECT_TYPES[type].apiPath);
  for (const p of EXTRA_ENDPOINTS) addToRoots(t.roots, p);
  return t;
}

function apiRoot(children: string[], prefix: string): Handler {
  return apiRoute("inventory.read", async ({ baseUrl }) =>
    jsonResponse(Object.fromEntries([...children].sort().map((c) => [c.replace(/\/$/, ""), `${baseUrl}${prefix}${c}`]))),
  );
}

/** What serves `path` (with its trailing slash), and the route params it carries. */
export function resolveApiPath(path: string): { handlers: Handlers; params: Record<string, string> } | null {
  table ??= build();
  const list = table.lists.get(path);
  if (list) return { handlers: list, params: {} };
  for (const d of table.details) {
    if (!path.startsWith(d.prefix)) continue;
    const rest = path.slice(d.prefix.length);
    const m = /^([^/]+)\/$/.exec(rest);
    if (m) return { handlers: d.handlers, params: { id: decodeURIComponent(m[1]!) } };
  }
  const children = table.roots.get(path);
  if (children) return { handlers: { GET: apiRoot(children, path) }, params: {} };
  return null;
}

/** The catch-all's handler for one method. */
export function dispatch(method: string): (req: NextRequest, ctx: { params: Promise<{ path?: string[] }> }) => Promise<Response> {
  return async (req, ctx) => {
    const segments = (await ctx.params).path ?? [];
    const path = `/api/${segments.map(encodeURIComponent).join("/")}${segments.length ? "/" : ""}`;
    const target = resolveApiPath(path);
    if (!target) return detailResponse(404, "Not found.");
    const handler = target.handlers[method];
    if (!handler) {
      const allow = Object.keys(target.handlers).join(", ");
      return jsonResponse({ detail: `Method "${method}" not allowed.` }, 405, undefined, { Allow: allow });
    }
    return handler(req, { params: Promise.resolve(target.params) });
  };
}

/** The routes the registry gives the API, as URL patterns (`{id}` for a detail) with their methods. */
export function registryRoutes(): { path: string; methods: string[]; handlers: Handlers; params: (url: string) => Record<string, string> }[] {
  table ??= build();
  return [
    ...[...table.lists].map(([path, handlers]) => ({ path, methods: Object.keys(handlers), handlers, params: () => ({}) })),
    ...table.details.map((d) => ({
      path: `${d.prefix}{id}/`,
      methods: Object.keys(d.handlers),
      handlers: d.handlers,
      params: (url: string): Record<string, string> => ({ id: decodeURIComponent(url.slice(d.prefix.length).replace(/\/$/, "")) }),
    })),
    ...[...table.roots].map(([path, children]) => ({ path, methods: ["GET"], handlers: { GET: apiRoot(children, path) }, params: () => ({}) })),
  ];
}
