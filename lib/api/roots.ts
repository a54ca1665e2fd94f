import { apiRoute } from "./handler";
import { jsonResponse } from "./responses";

/** A NetBox-style API root: the endpoints below a prefix, as absolute URLs. */
export function apiRoot(prefix: string, children: string[]) {
  return apiRoute("inventory.read", async ({ baseUrl }) =>
    jsonResponse(Object.fromEntries(children.map((c) => [c.replace(/\/$/, ""), `${baseUrl}${prefix}${c}`]))),
  );
}
