import "server-only";
import { KIND_TYPES, type Kind, type ObjectType } from "@/lib/object-types";
import type { AnyCrudService } from "./crud";
import { siteService, tenantService } from "./organization";
import { pdmEndpointService } from "./pdm-endpoints";
import { pdmRemoteService } from "./pdm-remotes";
import { pbsServerService, proxmoxEndpointService } from "./proxmox";
import { userService } from "./users";

// The service behind each registered type that the generic CRUD routes, pages and actions serve
// (lib/object-types.ts: the types with a `kind`). Server side only.

const ALL: AnyCrudService[] = [pdmEndpointService, pdmRemoteService, siteService, tenantService, proxmoxEndpointService, pbsServerService, userService];

const BY_TYPE = new Map<ObjectType, AnyCrudService>(ALL.map((s) => [s.definition.objectType, s]));

/** The CRUD service of a kind (every kind has one: tests/registry.test.ts checks it). */
export function serviceOf(kind: Kind): AnyCrudService {
  const svc = BY_TYPE.get(KIND_TYPES[kind]);
  if (!svc) throw new Error(`no service registered for ${kind}`);
  return svc;
}

/** The CRUD service of a type, if it has one. */
export function serviceOfType(type: ObjectType): AnyCrudService | null {
  return BY_TYPE.get(type) ?? null;
}

/** Every registered CRUD service, by kind. */
export function crudServices(): [Kind, AnyCrudService][] {
  return (Object.keys(KIND_TYPES) as Kind[]).map((k) => [k, serviceOf(k)]);
}
