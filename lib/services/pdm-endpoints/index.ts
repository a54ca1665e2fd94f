import { and, count, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "@/db/client";
import {
  pbsServers,
  pdmEndpointPbsServers,
  pdmEndpointProxmoxEndpoints,
  pdmEndpoints,
  pdmRemotes,
  proxmoxEndpoints,
  sites,
  tenants,
} from "@/db/schema";
import { authorize } from "@/lib/auth/permissions";
import type { PdmClientOptions } from "@/lib/pdm";
import { getSecretBox } from "@/lib/crypto/secrets";
import { addFieldError, NotFoundError, type FieldErrors } from "@/lib/errors";
import { zDescription, zFingerprint, zHost, zName, zPort, zRefId, zTokenId } from "@/lib/validation/fields";
import { createCrudService, iso, type BaseRecord } from "../crud";
import { recordChanges } from "../changelog/record";
import type { ServiceContext } from "../context";
import { pdmRemoteService } from "../pdm-remotes";
import { loadRefs, refOrNull, type Ref } from "../refs";

// PDM endpoints (SPEC §2.1): one PDM server, its API token (secret stored encrypted, never read
// back), TLS settings, and the Proxmox endpoints / PBS servers the operator declares it manages.

export interface PdmEndpointRecord extends BaseRecord {
  name: string;
  host: string;
  port: number;
  token_id: string;
  has_token_secret: boolean;
  fingerprint: string | null;
  verify_ssl: boolean;
  allow_writes: boolean;
  timeout_seconds: number;
  enabled: boolean;
  version: string | null;
  last_seen_at: Date | null;
  last_error: string | null;
  site: Ref | null;
  tenant: Ref | null;
  proxmox_endpoints: Ref[];
  pbs_servers: Ref[];
  remote_count: number;
  description: string;
  created: Date;
  last_updated: Date;
}

const zSecret = z
  .string("Enter the token secret.")
  .min(1, "This field may not be blank.")
  .max(512, "Ensure this field has no more than 512 characters.");
const zIdList = z.array(zRefId, "Expected a list of object ids.").max(1000);

const shape = {
  name: zName,
  host: zHost,
  port: zPort,
  token_id: zTokenId,
  token_secret: zSecret,
  fingerprint: zFingerprint,
  verify_ssl: z.boolean("Expected a boolean."),
  allow_writes: z.boolean("Expected a boolean."),
  timeout_seconds: z
    .number("Enter a whole number between 1 and 600.")
    .int("Enter a whole number between 1 and 600.")
    .min(1, "Ensure this value is greater than or equal to 1.")
    .max(600, "Ensure this value is less than or equal to 600."),
  enabled: z.boolean("Expected a boolean."),
  site: zRefId.nullable(),
  tenant: zRefId.nullable(),
  proxmox_endpoints: zIdList,
  pbs_servers: zIdList,
  description: zDescription,
};

export const pdmEndpointCreateSchema = z.strictObject(shape);
// PUT validates like create, except that an absent secret keeps the stored one (SPEC §2.1).
export const pdmEndpointReplaceSchema = z.strictObject({ ...shape, token_secret: zSecret.optional() });
export const pdmEndpointPatchSchema = z.strictObject(shape).partial();
export type PdmEndpointInput = z.infer<typeof pdmEndpointCreateSchema>;

export const PDM_ENDPOINT_DEFAULTS = {
  port: 8443,
  fingerprint: null,
  verify_ssl: true,
  allow_writes: false,
  timeout_seconds: 30,
  enabled: true,
  site: null,
  tenant: null,
  proxmox_endpoints: [],
  pbs_servers: [],
  description: "",
};

async function hydrate(db: Executor, rows: (typeof pdmEndpoints.$inferSelect)[]): Promise<PdmEndpointRecord[]> {
  if (!rows.length) return [];
  const rowIds = rows.map((r) => r.id);
  const [siteRefs, tenantRefs, pveLinks, pbsLinks, counts] = await Promise.all([
    loadRefs(db, sites, rows.map((r) => r.siteId)),
    loadRefs(db, tenants, rows.map((r) => r.tenantId)),
    db
      .select({ owner: pdmEndpointProxmoxEndpoints.pdmEndpointId, id: proxmoxEndpoints.id, name: proxmoxEndpoints.name })
      .from(pdmEndpointProxmoxEndpoints)
      .innerJoin(proxmoxEndpoints, eq(proxmoxEndpoints.id, pdmEndpointProxmoxEndpoints.proxmoxEndpointId))
      .where(inArray(pdmEndpointProxmoxEndpoints.pdmEndpointId, rowIds))
      .orderBy(proxmoxEndpoints.name),
    db
      .select({ owner: pdmEndpointPbsServers.pdmEndpointId, id: pbsServers.id, name: pbsServers.name })
      .from(pdmEndpointPbsServers)
      .innerJoin(pbsServers, eq(pbsServers.id, pdmEndpointPbsServers.pbsServerId))
      .where(inArray(pdmEndpointPbsServers.pdmEndpointId, rowIds))
      .orderBy(pbsServers.name),
    db
      .select({ owner: pdmRemotes.pdmEndpointId, n: count() })
      .from(pdmRemotes)
      .where(inArray(pdmRemotes.pdmEndpointId, rowIds))
      .groupBy(pdmRemotes.pdmEndpointId),
  ]);
  const group = (links: { owner: number; id: number; name: string }[], owner: number): Ref[] =>
    links.filter((l) => l.owner === owner).map((l) => ({ id: l.id, name: l.name, display: l.name }));
  const countBy = new Map(counts.map((c) => [c.owner, Number(c.n)]));
  return rows.map((r) => ({
    id: r.id,
    display: r.name,
    name: r.name,
    host: r.host,
    port: r.port,
    token_id: r.tokenId,
    has_token_secret: r.tokenSecretEncrypted !== "",
    fingerprint: r.fingerprint,
    verify_ssl: r.verifySsl,
    allow_writes: r.allowWrites,
    timeout_seconds: r.timeoutSeconds,
    enabled: r.enabled,
    version: r.version,
    last_seen_at: r.lastSeenAt,
    last_error: r.lastError,
    site: refOrNull(siteRefs, r.siteId),
    tenant: refOrNull(tenantRefs, r.tenantId),
    proxmox_endpoints: group(pveLinks, r.id),
    pbs_servers: group(pbsLinks, r.id),
    remote_count: countBy.get(r.id) ?? 0,
    description: r.description,
    created: r.created,
    last_updated: r.lastUpdated,
  }));
}

/** The change-log / Git-snapshot representation: no secret, no volatile fields but those of SPEC §7. */
export function pdmEndpointSnapshot(r: PdmEndpointRecord): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    host: r.host,
    port: r.port,
    token_id: r.token_id,
    fingerprint: r.fingerprint,
    verify_ssl: r.verify_ssl,
    allow_writes: r.allow_writes,
    timeout_seconds: r.timeout_seconds,
    enabled: r.enabled,
    version: r.version,
    last_seen_at: iso(r.last_seen_at),
    last_error: r.last_error,
    site: r.site?.id ?? null,
    tenant: r.tenant?.id ?? null,
    proxmox_endpoints: r.proxmox_endpoints.map((p) => p.id),
    pbs_servers: r.pbs_servers.map((p) => p.id),
    description: r.description,
    created: iso(r.created),
    last_updated: iso(r.last_updated),
  };
}

/**
 * The fields that decide where, and to whom, the token secret is sent: host, port, and the TLS
 * checks that tell the real PDM from an impostor. Changing any of them with the stored secret
 * would let an editor have it sent to a server of their own (and read it there), so the secret
 * must be entered again along with the change (issue 17).
 */
export const SECRET_DESTINATION_FIELDS = ["host", "port", "fingerprint", "verify_ssl"] as const;

/** Which of those fields `input` changes (validated values, so a re-typed equal value is no change). */
export function secretDestinationChanges(current: PdmEndpointRecord, input: Record<string, unknown>): string[] {
  return SECRET_DESTINATION_FIELDS.filter((f) => input[f] !== undefined && input[f] !== current[f]);
}

/** API field → column, for the fields a person writes (the sync adds `version`). */
export const PDM_ENDPOINT_COLUMNS: Record<string, string> = {
  name: "name",
  host: "host",
  port: "port",
  token_id: "tokenId",
  fingerprint: "fingerprint",
  verify_ssl: "verifySsl",
  allow_writes: "allowWrites",
  timeout_seconds: "timeoutSeconds",
  enabled: "enabled",
  site: "siteId",
  tenant: "tenantId",
  description: "description",
};

export const pdmEndpointService = createCrudService({
  objectType: "netbox_pdm.pdmendpoint",
  table: pdmEndpoints,
  idColumn: pdmEndpoints.id,
  list: {
    id: pdmEndpoints.id,
    filters: {
      id: { expr: pdmEndpoints.id, kind: "int" },
      name: { expr: pdmEndpoints.name, kind: "string" },
      host: { expr: pdmEndpoints.host, kind: "string" },
      port: { expr: pdmEndpoints.port, kind: "int" },
      token_id: { expr: pdmEndpoints.tokenId, kind: "string" },
      fingerprint: { expr: pdmEndpoints.fingerprint, kind: "string" },
      verify_ssl: { expr: pdmEndpoints.verifySsl, kind: "bool" },
      allow_writes: { expr: pdmEndpoints.allowWrites, kind: "bool" },
      enabled: { expr: pdmEndpoints.enabled, kind: "bool" },
      timeout_seconds: { expr: pdmEndpoints.timeoutSeconds, kind: "int" },
      version: { expr: pdmEndpoints.version, kind: "string" },
      last_error: { expr: pdmEndpoints.lastError, kind: "string" },
      last_seen_at: { expr: pdmEndpoints.lastSeenAt, kind: "datetime" },
      site_id: { expr: pdmEndpoints.siteId, kind: "fk" },
      tenant_id: { expr: pdmEndpoints.tenantId, kind: "fk" },
      description: { expr: pdmEndpoints.description, kind: "string" },
      created: { expr: pdmEndpoints.created, kind: "datetime" },
      last_updated: { expr: pdmEndpoints.lastUpdated, kind: "datetime" },
    },
    ordering: {
      id: pdmEndpoints.id,
      name: pdmEndpoints.name,
      host: pdmEndpoints.host,
      port: pdmEndpoints.port,
      version: pdmEndpoints.version,
      enabled: pdmEndpoints.enabled,
      last_seen_at: pdmEndpoints.lastSeenAt,
      created: pdmEndpoints.created,
      last_updated: pdmEndpoints.lastUpdated,
    },
    defaultOrdering: ["name"],
    search: [pdmEndpoints.name, pdmEndpoints.host, pdmEndpoints.description],
  },
  schemas: { create: pdmEndpointCreateSchema, replace: pdmEndpointReplaceSchema, patch: pdmEndpointPatchSchema },
  defaults: PDM_ENDPOINT_DEFAULTS,
  readOnly: {
    has_token_secret: z.boolean(),
    version: z.string().nullable(),
    last_seen_at: z.date().nullable(),
    last_error: z.string().nullable(),
    remote_count: z.number().int(),
  },
  writeOnly: ["token_secret"],
  hydrate,
  snapshot: pdmEndpointSnapshot,
  async validate(ctx, input, current) {
    const errors: FieldErrors = {};
    const moved = current ? secretDestinationChanges(current, input) : [];
    if (moved.length && input.token_secret === undefined)
      addFieldError(errors, "token_secret", `Enter the token secret again to change ${moved.join(", ")}: the stored secret is only ever sent where it was entered for.`);
    return errors;
  },
  async toValues(_ctx, input) {
    const { token_secret, proxmox_endpoints: _pve, pbs_servers: _pbs, token_id, verify_ssl, allow_writes, timeout_seconds, site, tenant, ...own } = input;
    return {
      ...own,
      tokenId: token_id,
      verifySsl: verify_ssl,
      allowWrites: allow_writes,
      timeoutSeconds: timeout_seconds,
      siteId: site,
      tenantId: tenant,
      tokenSecretEncrypted: token_secret === undefined ? undefined : getSecretBox().encrypt(token_secret),
    };
  },
  async afterWrite(ctx, id, input) {
    if (Array.isArray(input.proxmox_endpoints)) {
      await ctx.db.delete(pdmEndpointProxmoxEndpoints).where(eq(pdmEndpointProxmoxEndpoints.pdmEndpointId, id));
      const ids = [...new Set(input.proxmox_endpoints)];
      if (ids.length)
        await ctx.db.insert(pdmEndpointProxmoxEndpoints).values(ids.map((p) => ({ pdmEndpointId: id, proxmoxEndpointId: p })));
    }
    if (Array.isArray(input.pbs_servers)) {
      await ctx.db.delete(pdmEndpointPbsServers).where(eq(pdmEndpointPbsServers.pdmEndpointId, id));
      const ids = [...new Set(input.pbs_servers)];
      if (ids.length) await ctx.db.insert(pdmEndpointPbsServers).values(ids.map((p) => ({ pdmEndpointId: id, pbsServerId: p })));
    }
  },
  // The database deletes an endpoint's remotes with it (on delete cascade); each of those is a
  // delete in the change log too (SPEC §2: every delete of any object is recorded).
  async beforeDelete(ctx, rec) {
    const rows = await ctx.db.select().from(pdmRemotes).where(eq(pdmRemotes.pdmEndpointId, rec.id)).orderBy(pdmRemotes.id);
    const remotes = await pdmRemoteService.definition.hydrate(ctx.db, rows);
    await recordChanges(
      ctx,
      remotes.map((r) => ({
        action: "delete" as const,
        objectType: pdmRemoteService.definition.objectType,
        objectId: r.id,
        repr: r.display,
        pre: pdmRemoteService.definition.snapshot(r),
        post: null,
      })),
    );
  },
  unique: [{ field: "name", column: pdmEndpoints.name, constraint: "pdm_endpoints_name_key", message: "A PDM endpoint with this name already exists." }],
  constraints: {
    pdm_endpoints_port_check: { field: "port", message: "Ensure this value is between 1 and 65535." },
    pdm_endpoints_timeout_check: { field: "timeout_seconds", message: "Ensure this value is between 1 and 600." },
  },
});

/** Connection settings with the decrypted secret, for the PDM client only (sync runs, connection tests). */
export interface PdmEndpointConnection {
  id: number;
  name: string;
  host: string;
  port: number;
  tokenId: string;
  tokenSecret: string;
  fingerprint: string | null;
  verifySsl: boolean;
  timeoutSeconds: number;
  enabled: boolean;
}

/** What a PDM client needs of a connection (lib/pdm's options, without the limiter). */
export function pdmClientOptions(conn: PdmEndpointConnection): Omit<PdmClientOptions, "limiter"> {
  const { host, port, tokenId, tokenSecret, fingerprint, verifySsl, timeoutSeconds } = conn;
  return { host, port, tokenId, tokenSecret, fingerprint, verifySsl, timeoutSeconds };
}

export async function getPdmEndpointConnection(ctx: ServiceContext, id: number): Promise<PdmEndpointConnection> {
  authorize(ctx.actor, "sync.run");
  const [row] = await ctx.db.select().from(pdmEndpoints).where(and(eq(pdmEndpoints.id, id))).limit(1);
  if (!row) throw new NotFoundError("PDM endpoint", id);
  return {
    id: row.id,
    name: row.name,
    host: row.host,
    port: row.port,
    tokenId: row.tokenId,
    tokenSecret: getSecretBox().decrypt(row.tokenSecretEncrypted, `the token secret of PDM endpoint "${row.name}"`),
    fingerprint: row.fingerprint,
    verifySsl: row.verifySsl,
    timeoutSeconds: row.timeoutSeconds,
    enabled: row.enabled,
  };
}

/** The PDM endpoints that declare a Proxmox endpoint or PBS server as one they manage (SPEC §2.1). */
export async function endpointsDeclaring(ctx: ServiceContext, target: { proxmoxEndpoint: number } | { pbsServer: number }): Promise<PdmEndpointRecord[]> {
  authorize(ctx.actor, "inventory.read");
  const rows =
    "pbsServer" in target
      ? await ctx.db.select({ id: pdmEndpointPbsServers.pdmEndpointId }).from(pdmEndpointPbsServers).where(eq(pdmEndpointPbsServers.pbsServerId, target.pbsServer))
      : await ctx.db.select({ id: pdmEndpointProxmoxEndpoints.pdmEndpointId }).from(pdmEndpointProxmoxEndpoints).where(eq(pdmEndpointProxmoxEndpoints.proxmoxEndpointId, target.proxmoxEndpoint));
  return pdmEndpointService.load(ctx.db, rows.map((r) => r.id));
}
