import * as root from "@/app/api/route";
import * as coreRoot from "@/app/api/core/route";
import * as changes from "@/app/api/core/object-changes/route";
import * as changeDetail from "@/app/api/core/object-changes/[id]/route";
import * as dcimRoot from "@/app/api/dcim/route";
import * as sites from "@/app/api/dcim/sites/route";
import * as siteDetail from "@/app/api/dcim/sites/[id]/route";
import * as pluginsRoot from "@/app/api/plugins/route";
import * as pbsRoot from "@/app/api/plugins/pbs/route";
import * as pbsServers from "@/app/api/plugins/pbs/servers/route";
import * as pbsServerDetail from "@/app/api/plugins/pbs/servers/[id]/route";
import * as pdmRoot from "@/app/api/plugins/pdm/route";
import * as endpoints from "@/app/api/plugins/pdm/endpoints/route";
import * as endpointDetail from "@/app/api/plugins/pdm/endpoints/[id]/route";
import * as endpointSync from "@/app/api/plugins/pdm/endpoints/[id]/sync/route";
import * as endpointTest from "@/app/api/plugins/pdm/endpoints/[id]/test/route";
import * as remotes from "@/app/api/plugins/pdm/remotes/route";
import * as remoteDetail from "@/app/api/plugins/pdm/remotes/[id]/route";
import * as settings from "@/app/api/plugins/pdm/settings/route";
import * as branchList from "@/app/api/plugins/pdm/branches/route";
import * as branchDetail from "@/app/api/plugins/pdm/branches/[name]/route";
import * as branchMerge from "@/app/api/plugins/pdm/branches/[name]/merge/route";
import * as branchDiscard from "@/app/api/plugins/pdm/branches/[name]/discard/route";
import * as syncRuns from "@/app/api/plugins/pdm/sync-runs/route";
import * as syncRunDetail from "@/app/api/plugins/pdm/sync-runs/[id]/route";
import * as proxboxRoot from "@/app/api/plugins/proxbox/route";
import * as proxboxEndpoints from "@/app/api/plugins/proxbox/endpoints/route";
import * as proxboxEndpointDetail from "@/app/api/plugins/proxbox/endpoints/[id]/route";
import * as schema from "@/app/api/schema/route";
import * as status from "@/app/api/status/route";
import * as tenancyRoot from "@/app/api/tenancy/route";
import * as tenants from "@/app/api/tenancy/tenants/route";
import * as tenantDetail from "@/app/api/tenancy/tenants/[id]/route";
import * as usersRoot from "@/app/api/users/route";
import * as tokens from "@/app/api/users/tokens/route";
import * as tokenDetail from "@/app/api/users/tokens/[id]/route";
import * as users from "@/app/api/users/users/route";
import * as userDetail from "@/app/api/users/users/[id]/route";

// Every REST route module by its URL pattern ({id} for the dynamic segment), for in-process tests.
// (api/auth and api/inngest are not part of the REST API.)
export const ROUTES: Record<string, Record<string, unknown>> = {
  "/api/": root,
  "/api/core/": coreRoot,
  "/api/core/object-changes/": changes,
  "/api/core/object-changes/{id}/": changeDetail,
  "/api/dcim/": dcimRoot,
  "/api/dcim/sites/": sites,
  "/api/dcim/sites/{id}/": siteDetail,
  "/api/plugins/": pluginsRoot,
  "/api/plugins/pbs/": pbsRoot,
  "/api/plugins/pbs/servers/": pbsServers,
  "/api/plugins/pbs/servers/{id}/": pbsServerDetail,
  "/api/plugins/pdm/": pdmRoot,
  "/api/plugins/pdm/endpoints/": endpoints,
  "/api/plugins/pdm/endpoints/{id}/": endpointDetail,
  "/api/plugins/pdm/endpoints/{id}/sync/": endpointSync,
  "/api/plugins/pdm/endpoints/{id}/test/": endpointTest,
  "/api/plugins/pdm/remotes/": remotes,
  "/api/plugins/pdm/remotes/{id}/": remoteDetail,
  "/api/plugins/pdm/settings/": settings,
  "/api/plugins/pdm/branches/": branchList,
  "/api/plugins/pdm/branches/{name}/": branchDetail,
  "/api/plugins/pdm/branches/{name}/merge/": branchMerge,
  "/api/plugins/pdm/branches/{name}/discard/": branchDiscard,
  "/api/plugins/pdm/sync-runs/": syncRuns,
  "/api/plugins/pdm/sync-runs/{id}/": syncRunDetail,
  "/api/plugins/proxbox/": proxboxRoot,
  "/api/plugins/proxbox/endpoints/": proxboxEndpoints,
  "/api/plugins/proxbox/endpoints/{id}/": proxboxEndpointDetail,
  "/api/schema/": schema,
  "/api/status/": status,
  "/api/tenancy/": tenancyRoot,
  "/api/tenancy/tenants/": tenants,
  "/api/tenancy/tenants/{id}/": tenantDetail,
  "/api/users/": usersRoot,
  "/api/users/tokens/": tokens,
  "/api/users/tokens/{id}/": tokenDetail,
  "/api/users/users/": users,
  "/api/users/users/{id}/": userDetail,
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
