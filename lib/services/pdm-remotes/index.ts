import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import {
  LINK_SOURCES,
  REMOTE_STATUSES,
  REMOTE_TYPES,
  pbsServers,
  pdmEndpoints,
  pdmRemotes,
  proxmoxEndpoints,
  type LinkSource,
  type RemoteNode,
  type RemoteStatus,
  type RemoteType,
  type NewPdmRemote,
} from "@/db/schema";
import { addFieldError, type FieldErrors } from "@/lib/errors";
import { zDescription, zFingerprint, zHost, zHttpUrl, zRefId } from "@/lib/validation/fields";
import { createCrudService, iso, type BaseRecord } from "../crud";
import { loadRefs, refOrNull, type Ref } from "../refs";

// PDM remotes (SPEC §2.2): PVE clusters and PBS servers a PDM manages. Sync owns most fields;
// people mostly set link overrides (SPEC §3): setting a link makes it `manual`, and
// `link_source: "auto"` hands it back to sync.

export interface PdmRemoteRecord extends BaseRecord {
  pdm_endpoint: Ref;
  name: string;
  remote_type: RemoteType;
  version: string | null;
  nodes: RemoteNode[];
  web_url: string | null;
  authid: string;
  status: RemoteStatus;
  last_error: string | null;
  last_seen_at: Date | null;
  linked_proxmox_endpoint: Ref | null;
  linked_pbs_server: Ref | null;
  link_source: LinkSource;
  /** Automatic linking found several candidates (ids): shown as "ambiguous". */
  link_candidates: number[];
  description: string;
  created: Date;
  last_updated: Date;
}

const zNode = z.strictObject({
  host: zHost,
  port: z.number("Expected a port number or null.").int().min(1).max(65535).nullable().default(null),
  fingerprint: zFingerprint.default(null),
});

const shape = {
  pdm_endpoint: zRefId,
  name: z
    .string("This field is required.")
    .trim()
    .min(1, "This field is required.")
    .max(100, "Ensure this field has no more than 100 characters.")
    .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/, "Enter a valid PDM remote id: letters, digits, and . _ - (not first)."),
  remote_type: z.enum(REMOTE_TYPES, `Select a valid choice: ${REMOTE_TYPES.join(", ")}.`),
  version: z.string("Enter text or null.").max(64).nullable(),
  nodes: z.array(zNode, "Expected a list of nodes.").max(64),
  // http(s) only: the UI links to it (issue 17: javascript: and data: URLs were accepted).
  web_url: z.string("Enter a URL or null.").pipe(zHttpUrl).nullable().transform((v) => (v === "" ? null : v)),
  authid: z.string("Enter text.").max(255),
  status: z.enum(REMOTE_STATUSES, `Select a valid choice: ${REMOTE_STATUSES.join(", ")}.`),
  last_error: z.string("Enter text or null.").max(2000).nullable(),
  // Optional even on create/PUT: an absent link field leaves the link as it is (sync's to manage).
  linked_proxmox_endpoint: zRefId.nullable().optional(),
  linked_pbs_server: zRefId.nullable().optional(),
  link_source: z.enum(LINK_SOURCES, `Select a valid choice: ${LINK_SOURCES.join(", ")}.`).optional(),
  description: zDescription,
};

export const pdmRemoteCreateSchema = z.strictObject(shape);

/**
 * What a sync writes of a remote PDM reports, checked by the same field rules as the API's
 * (issue 17): a remote PDM describes in a way the API would refuse is skipped, not stored.
 */
export const pdmRemoteSyncedSchema = z.object({
  name: shape.name,
  remote_type: shape.remote_type,
  version: shape.version,
  nodes: shape.nodes,
  web_url: shape.web_url,
  authid: shape.authid,
});
export const pdmRemotePatchSchema = z.strictObject(shape).partial();

export const PDM_REMOTE_DEFAULTS = {
  version: null,
  nodes: [],
  web_url: null,
  authid: "",
  status: "ok",
  last_error: null,
  description: "",
};

async function hydrate(db: Executor, rows: (typeof pdmRemotes.$inferSelect)[]): Promise<PdmRemoteRecord[]> {
  if (!rows.length) return [];
  const [endpoints, pves, pbss] = await Promise.all([
    loadRefs(db, pdmEndpoints, rows.map((r) => r.pdmEndpointId)),
    loadRefs(db, proxmoxEndpoints, rows.map((r) => r.linkedProxmoxEndpointId)),
    loadRefs(db, pbsServers, rows.map((r) => r.linkedPbsServerId)),
  ]);
  return rows.map((r) => toRecord(r, endpoints, pves, pbss));
}

export function toRecord(
  r: typeof pdmRemotes.$inferSelect,
  endpoints: Map<number, Ref>,
  pves: Map<number, Ref>,
  pbss: Map<number, Ref>,
): PdmRemoteRecord {
  return {
    id: r.id,
    display: r.name,
    pdm_endpoint: endpoints.get(r.pdmEndpointId) ?? { id: r.pdmEndpointId, name: `#${r.pdmEndpointId}`, display: `#${r.pdmEndpointId}` },
    name: r.name,
    remote_type: r.remoteType,
    version: r.version,
    nodes: r.nodes,
    web_url: r.webUrl,
    authid: r.authid,
    status: r.status,
    last_error: r.lastError,
    last_seen_at: r.lastSeenAt,
    linked_proxmox_endpoint: refOrNull(pves, r.linkedProxmoxEndpointId),
    linked_pbs_server: refOrNull(pbss, r.linkedPbsServerId),
    link_source: r.linkSource,
    link_candidates: r.linkCandidates,
    description: r.description,
    created: r.created,
    last_updated: r.lastUpdated,
  };
}

export function pdmRemoteSnapshot(r: PdmRemoteRecord): Record<string, unknown> {
  return {
    id: r.id,
    pdm_endpoint: r.pdm_endpoint.id,
    name: r.name,
    remote_type: r.remote_type,
    version: r.version,
    nodes: r.nodes,
    web_url: r.web_url,
    authid: r.authid,
    status: r.status,
    last_error: r.last_error,
    last_seen_at: iso(r.last_seen_at),
    linked_proxmox_endpoint: r.linked_proxmox_endpoint?.id ?? null,
    linked_pbs_server: r.linked_pbs_server?.id ?? null,
    link_source: r.link_source,
    description: r.description,
    created: iso(r.created),
    last_updated: iso(r.last_updated),
  };
}

/** References known only by id (a snapshot needs nothing more). */
const byId = (id: number | null): Map<number, Ref> => (id === null ? new Map() : new Map([[id, { id, name: `#${id}`, display: `#${id}` }]]));

/**
 * A row's change-log snapshot, without loading what it references: the same fields as
 * pdmRemoteSnapshot of the hydrated record (references are ids there too). Sync and merges
 * record thousands of rows this way.
 */
export function pdmRemoteRowSnapshot(r: typeof pdmRemotes.$inferSelect): Record<string, unknown> {
  return pdmRemoteSnapshot(toRecord(r, byId(r.pdmEndpointId), byId(r.linkedProxmoxEndpointId), byId(r.linkedPbsServerId)));
}

/** Merged view of the link fields after applying `input` to `current` (SPEC §3 rules). */
function resolveLinks(input: Partial<z.output<typeof pdmRemoteCreateSchema>>, current: PdmRemoteRecord | null) {
  let pve = input.linked_proxmox_endpoint !== undefined ? input.linked_proxmox_endpoint : (current?.linked_proxmox_endpoint?.id ?? null);
  let pbs = input.linked_pbs_server !== undefined ? input.linked_pbs_server : (current?.linked_pbs_server?.id ?? null);
  const linkTouched = input.linked_proxmox_endpoint !== undefined || input.linked_pbs_server !== undefined;
  let source: LinkSource = current?.link_source ?? "none";
  const requested = input.link_source;
  if (requested === "auto" || requested === "none") {
    // Reset to automatic: the next sync links it again.
    if (!linkTouched) {
      pve = null;
      pbs = null;
    }
    source = pve !== null || pbs !== null ? "auto" : "none";
  } else if (requested === "manual" || linkTouched) {
    source = "manual";
  }
  return { pve, pbs, source };
}

/** API field → column for a remote's own fields (links are resolved separately). */
export const PDM_REMOTE_COLUMNS: Record<string, keyof NewPdmRemote & string> = {
  pdm_endpoint: "pdmEndpointId",
  name: "name",
  remote_type: "remoteType",
  version: "version",
  nodes: "nodes",
  web_url: "webUrl",
  authid: "authid",
  status: "status",
  last_error: "lastError",
  description: "description",
};

export const pdmRemoteService = createCrudService({
  objectType: "netbox_pdm.pdmremote",
  table: pdmRemotes,
  idColumn: pdmRemotes.id,
  list: {
    id: pdmRemotes.id,
    filters: {
      id: { expr: pdmRemotes.id, kind: "int" },
      pdm_endpoint_id: { expr: pdmRemotes.pdmEndpointId, kind: "fk" },
      pdm_endpoint: {
        expr: sql`(select ${pdmEndpoints.name} from ${pdmEndpoints} where ${pdmEndpoints.id} = ${pdmRemotes.pdmEndpointId})`,
        kind: "string",
      },
      name: { expr: pdmRemotes.name, kind: "string" },
      remote_type: { expr: pdmRemotes.remoteType, kind: "enum", values: REMOTE_TYPES },
      version: { expr: pdmRemotes.version, kind: "string" },
      web_url: { expr: pdmRemotes.webUrl, kind: "string" },
      authid: { expr: pdmRemotes.authid, kind: "string" },
      status: { expr: pdmRemotes.status, kind: "enum", values: REMOTE_STATUSES },
      last_error: { expr: pdmRemotes.lastError, kind: "string" },
      last_seen_at: { expr: pdmRemotes.lastSeenAt, kind: "datetime" },
      linked_proxmox_endpoint_id: { expr: pdmRemotes.linkedProxmoxEndpointId, kind: "fk" },
      linked_pbs_server_id: { expr: pdmRemotes.linkedPbsServerId, kind: "fk" },
      link_source: { expr: pdmRemotes.linkSource, kind: "enum", values: LINK_SOURCES },
      description: { expr: pdmRemotes.description, kind: "string" },
      created: { expr: pdmRemotes.created, kind: "datetime" },
      last_updated: { expr: pdmRemotes.lastUpdated, kind: "datetime" },
    },
    ordering: {
      id: pdmRemotes.id,
      name: pdmRemotes.name,
      remote_type: pdmRemotes.remoteType,
      version: pdmRemotes.version,
      status: pdmRemotes.status,
      link_source: pdmRemotes.linkSource,
      last_seen_at: pdmRemotes.lastSeenAt,
      pdm_endpoint: sql`(select ${pdmEndpoints.name} from ${pdmEndpoints} where ${pdmEndpoints.id} = ${pdmRemotes.pdmEndpointId})`,
      created: pdmRemotes.created,
      last_updated: pdmRemotes.lastUpdated,
    },
    defaultOrdering: ["name"],
    search: [pdmRemotes.name, pdmRemotes.version, pdmRemotes.description],
  },
  schemas: { create: pdmRemoteCreateSchema, replace: pdmRemoteCreateSchema, patch: pdmRemotePatchSchema },
  defaults: PDM_REMOTE_DEFAULTS,
  hydrate,
  snapshot: pdmRemoteSnapshot,
  readOnly: { last_seen_at: z.date().nullable(), link_candidates: z.array(z.number().int()) },
  unique: [
    {
      field: "name",
      column: pdmRemotes.name,
      scope: { field: "pdm_endpoint", column: pdmRemotes.pdmEndpointId },
      constraint: "pdm_remotes_endpoint_name_key",
      message: "This PDM endpoint already has a remote with this name.",
    },
  ],
  async validate(_ctx, input, current) {
    const errors: FieldErrors = {};
    const type = input.remote_type ?? current?.remote_type;
    const links = resolveLinks(input, current);
    if (type === "pve" && links.pbs !== null)
      addFieldError(errors, "linked_pbs_server", "A PVE remote can only link a Proxmox endpoint, not a PBS server.");
    if (type === "pbs" && links.pve !== null)
      addFieldError(errors, "linked_proxmox_endpoint", "A PBS remote can only link a PBS server, not a Proxmox endpoint.");
    return Promise.resolve(errors);
  },
  async toValues(_ctx, input, current) {
    const { pdm_endpoint, remote_type, web_url, last_error, linked_proxmox_endpoint: _pve, linked_pbs_server: _pbs, link_source: _source, ...own } = input;
    const links = resolveLinks(input, current);
    return Promise.resolve({
      ...own,
      pdmEndpointId: pdm_endpoint,
      remoteType: remote_type,
      webUrl: web_url,
      lastError: last_error,
      linkedProxmoxEndpointId: links.pve,
      linkedPbsServerId: links.pbs,
      linkSource: links.source,
    });
  },
  constraints: {
    pdm_remotes_link_kind_check: { field: "non_field_errors", message: "The link does not match the remote type." },
  },
});
