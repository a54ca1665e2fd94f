import type { NextRequest } from "next/server";
import * as changes from "@/app/api/core/object-changes/route";
import * as changeDetail from "@/app/api/core/object-changes/[id]/route";
import * as endpointSync from "@/app/api/plugins/pdm/endpoints/[id]/sync/route";
import * as endpointTest from "@/app/api/plugins/pdm/endpoints/[id]/test/route";
import * as settings from "@/app/api/plugins/pdm/settings/route";
import * as branchList from "@/app/api/plugins/pdm/branches/route";
import * as branchDetail from "@/app/api/plugins/pdm/branches/[name]/route";
import * as branchMerge from "@/app/api/plugins/pdm/branches/[name]/merge/route";
import * as branchDiscard from "@/app/api/plugins/pdm/branches/[name]/discard/route";
import * as syncRuns from "@/app/api/plugins/pdm/sync-runs/route";
import * as syncRunDetail from "@/app/api/plugins/pdm/sync-runs/[id]/route";
import * as schema from "@/app/api/schema/route";
import * as status from "@/app/api/status/route";
import * as tokens from "@/app/api/users/tokens/route";
import * as tokenDetail from "@/app/api/users/tokens/[id]/route";
import { registryRoutes } from "@/lib/api/routes";
import { OBJECT_TYPES, objectType, type ObjectType } from "@/lib/object-types";
import { crudServices } from "@/lib/services/registry";

// Every REST route by its URL pattern ({id} for the dynamic segment), for in-process tests: the
// route files of their own, and the routes the object registry derives (lib/api/routes.ts, served
// by app/api/[[...path]]). (api/auth and api/inngest are not part of the REST API.)
const FILE_ROUTES: Record<string, Record<string, unknown>> = {
  "/api/core/object-changes/": changes,
  "/api/core/object-changes/{id}/": changeDetail,
  "/api/plugins/pdm/endpoints/{id}/sync/": endpointSync,
  "/api/plugins/pdm/endpoints/{id}/test/": endpointTest,
  "/api/plugins/pdm/settings/": settings,
  "/api/plugins/pdm/branches/": branchList,
  "/api/plugins/pdm/branches/{name}/": branchDetail,
  "/api/plugins/pdm/branches/{name}/merge/": branchMerge,
  "/api/plugins/pdm/branches/{name}/discard/": branchDiscard,
  "/api/plugins/pdm/sync-runs/": syncRuns,
  "/api/plugins/pdm/sync-runs/{id}/": syncRunDetail,
  "/api/schema/": schema,
  "/api/status/": status,
  "/api/users/tokens/": tokens,
  "/api/users/tokens/{id}/": tokenDetail,
};

export const ROUTES: Record<string, Record<string, unknown>> = {
  ...FILE_ROUTES,
  ...Object.fromEntries(registryRoutes().map((r) => [r.path, r.handlers])),
};

export const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** Route module and the params for a concrete URL path. */
export function resolve(path: string): { module: Record<string, unknown>; params: Record<string, string> } | null {
  const clean = path.split("?")[0]!;
  for (const [pattern, module] of Object.entries(ROUTES)) {
    const param = /\{(\w+)\}/.exec(pattern)?.[1];
    const re = new RegExp(`^${pattern.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{\w+\}/, "([^/]+)")}$`);
    const m = re.exec(clean);
    if (m) return { module, params: param && m[1] !== undefined ? { [param]: decodeURIComponent(m[1]) } : {} };
  }
  return null;
}

type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** The handler of one method of a concrete URL path (for tests that call handlers directly). */
export function handlerFor(path: string, method: string): Handler {
  const target = resolve(path);
  const handler = target?.module[method] as Handler | undefined;
  if (!target || !handler) throw new Error(`no ${method} route for ${path}`);
  return (req) => handler(req, { params: Promise.resolve(target.params) });
}

/** Every list endpoint the registry's types have (all but the settings singleton). */
export const LIST_PATHS: string[] = (Object.keys(OBJECT_TYPES) as ObjectType[]).filter((t) => objectType(t).detailPages || t === "users.token").map((t) => OBJECT_TYPES[t].apiPath);

/** Every list endpoint that creates: the registry's CRUD types, and API tokens. */
export const CREATE_PATHS: string[] = [...crudServices().map(([, s]) => OBJECT_TYPES[s.definition.objectType].apiPath), OBJECT_TYPES["users.token"].apiPath];
