import { z } from "zod";
import { LOOKUPS, type ListSpec } from "@/lib/services/list";
import { objectChangeListSpec, objectChangeRecordSchema } from "@/lib/services/changelog/queries";
import type { AnyCrudService } from "@/lib/services/crud";
import { crudServices } from "@/lib/services/registry";
import { SETTINGS_DEFAULTS, settingsPatchSchema, settingsReplaceSchema } from "@/lib/services/settings";
import { requestSyncRunSchema, syncRunDetailSchema, syncRunListSpec, syncRunRecordSchema } from "@/lib/services/sync-runs";
import { tokenCreateSchema, tokenListSpec } from "@/lib/services/tokens";
import { branchDetailSchema, branchListSpec, branchRecordSchema, mergeBranchSchema } from "@/lib/services/branches";
import { objectType } from "@/lib/object-types";
import { capitalize } from "@/lib/ui/kinds";
import { API_VERSION } from "./responses";
import { APP_VERSION } from "@/lib/version";

// GET /api/schema/: the OpenAPI 3 document, generated from the zod schemas the services validate
// with (request bodies) and the read schemas derived from them (responses), plus each list's
// filter vocabulary (ListSpec). Nothing per field is written by hand here.

type JsonSchema = Record<string, unknown>;

/** zod → JSON Schema (OpenAPI 3.0 dialect); dates become date-time strings. */
export function toSchema(schema: z.ZodType, io: "input" | "output" = "input"): JsonSchema {
  return z.toJSONSchema(schema, {
    io,
    target: "openapi-3.0",
    unrepresentable: "any",
    override: (ctx) => {
      const def = (ctx.zodSchema as unknown as { _zod: { def: { type: string } } })._zod.def;
      if (def.type === "date") {
        ctx.jsonSchema.type = "string";
        ctx.jsonSchema.format = "date-time";
      }
    },
  }) as JsonSchema;
}

const BRIEF: JsonSchema = {
  type: "object",
  properties: { id: { type: "integer" }, url: { type: "string", format: "uri" }, display: { type: "string" }, name: { type: "string" } },
  required: ["id", "url", "display"],
};
const DATE_TIME = { type: "string", format: "date-time" };
const COMMON_READ = { id: { type: "integer", readOnly: true }, url: { type: "string", format: "uri", readOnly: true }, display: { type: "string", readOnly: true } };

interface CrudResource {
  path: string;
  tag: string;
  service: AnyCrudService;
  /** Reference fields: ids on write, brief objects on read. */
  refs: string[];
}

/** Every registered CRUD type, from the registry: its path, tag and service (schemas, fields). */
function crudResources(): CrudResource[] {
  return crudServices().map(([, service]) => {
    const t = objectType(service.definition.objectType);
    return { path: t.apiPath, tag: capitalize(t.plural), service, refs: Object.keys(t.references) };
  });
}

function properties(s: JsonSchema): Record<string, JsonSchema> {
  return (s.properties as Record<string, JsonSchema> | undefined) ?? {};
}

/** Required = what has no default (defaults fill omitted fields on create and PUT). */
function requestBody(schema: z.ZodType, defaults: Record<string, unknown>): JsonSchema {
  const s = toSchema(schema);
  const required = ((s.required as string[] | undefined) ?? []).filter((k) => !(k in defaults));
  return { ...s, required: required.length ? required : undefined };
}

function readSchema(r: CrudResource): JsonSchema {
  const def = r.service.definition;
  const write = toSchema(def.schemas.create);
  const props: Record<string, JsonSchema> = { ...COMMON_READ };
  for (const [k, v] of Object.entries(properties(write))) {
    if (def.writeOnly?.includes(k)) continue;
    if (r.refs.includes(k)) props[k] = v.type === "array" ? { type: "array", items: BRIEF } : { ...BRIEF, nullable: v.nullable === true };
    else props[k] = v;
  }
  for (const [k, z2] of Object.entries(def.readOnly ?? {})) props[k] = { ...toSchema(z2, "output"), readOnly: true };
  props.created = { ...DATE_TIME, readOnly: true };
  props.last_updated = { ...DATE_TIME, readOnly: true };
  return { type: "object", properties: props, required: Object.keys(props) };
}

function listParameters(spec: ListSpec): JsonSchema[] {
  const params: JsonSchema[] = [
    { name: "limit", in: "query", schema: { type: "integer", minimum: 0 }, description: "Page size (default 50, at most 1000; 0 = the largest page)." },
    { name: "offset", in: "query", schema: { type: "integer", minimum: 0 } },
    { name: "q", in: "query", schema: { type: "string" }, description: "Quick search." },
    { name: "ordering", in: "query", schema: { type: "string", enum: Object.keys(spec.ordering).flatMap((k) => [k, `-${k}`]) } },
    { name: "brief", in: "query", schema: { type: "boolean" }, description: "Return {id, url, display, name} objects." },
  ];
  for (const [name, def] of Object.entries(spec.filters)) {
    for (const lookup of LOOKUPS[def.kind]) {
      const key = lookup === "exact" ? name : `${name}__${lookup}`;
      const item =
        lookup === "isnull" || lookup === "empty" || def.kind === "bool"
          ? { type: "boolean" }
          : def.kind === "int" || def.kind === "fk"
            ? { type: "integer" }
            : def.kind === "enum"
              ? { type: "string", enum: def.values }
              : def.kind === "datetime"
                ? DATE_TIME
                : def.kind === "uuid" && (lookup === "exact" || lookup === "n")
                  ? { type: "string", format: "uuid" }
                  : { type: "string" };
      params.push({ name: key, in: "query", style: "form", explode: true, schema: { type: "array", items: item } });
    }
  }
  return params;
}

const ERRORS = {
  "400": { description: "Validation failed: field errors", content: { "application/json": { schema: { $ref: "#/components/schemas/FieldErrors" } } } },
  "401": { description: "Not authenticated", content: { "application/json": { schema: { $ref: "#/components/schemas/Detail" } } } },
  "403": { description: "Not permitted", content: { "application/json": { schema: { $ref: "#/components/schemas/Detail" } } } },
};
const NOT_FOUND = { "404": { description: "No such object", content: { "application/json": { schema: { $ref: "#/components/schemas/Detail" } } } } };

function json(schema: JsonSchema) {
  return { content: { "application/json": { schema } } };
}

function page(item: JsonSchema): JsonSchema {
  return {
    type: "object",
    properties: {
      count: { type: "integer" },
      next: { type: "string", format: "uri", nullable: true },
      previous: { type: "string", format: "uri", nullable: true },
      results: { type: "array", items: item },
    },
    required: ["count", "next", "previous", "results"],
  };
}

const idParam = { name: "id", in: "path", required: true, schema: { type: "integer" } };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const schemaName = (tag: string) => tag.replace(/[^A-Za-z]/g, "");

export function buildOpenApiDocument(baseUrl: string): JsonSchema {
  const paths: Record<string, JsonSchema> = {};
  const schemas: Record<string, JsonSchema> = {
    Detail: { type: "object", properties: { detail: { type: "string" } }, required: ["detail"] },
    FieldErrors: { type: "object", additionalProperties: { type: "array", items: { type: "string" } } },
    BriefObject: BRIEF,
  };

  for (const r of crudResources()) {
    const name = schemaName(r.tag);
    const def = r.service.definition;
    schemas[name] = readSchema(r);
    schemas[`${name}Create`] = requestBody(def.schemas.create, def.defaults);
    schemas[`${name}Replace`] = requestBody(def.schemas.replace, def.defaults);
    schemas[`${name}Patch`] = toSchema(def.schemas.patch);
    paths[r.path] = {
      get: { tags: [r.tag], summary: `List ${r.tag}`, parameters: listParameters(def.list), responses: { "200": { description: "A page", ...json(page(ref(name))) }, ...ERRORS } },
      post: { tags: [r.tag], summary: `Create`, requestBody: { required: true, ...json(ref(`${name}Create`)) }, responses: { "201": { description: "Created", ...json(ref(name)) }, ...ERRORS } },
    };
    paths[`${r.path}{id}/`] = {
      parameters: [idParam],
      get: { tags: [r.tag], summary: "Read", responses: { "200": { description: "The object", ...json(ref(name)) }, ...ERRORS, ...NOT_FOUND } },
      put: { tags: [r.tag], summary: "Replace (validated like create)", requestBody: { required: true, ...json(ref(`${name}Replace`)) }, responses: { "200": { description: "Updated", ...json(ref(name)) }, ...ERRORS, ...NOT_FOUND } },
      patch: { tags: [r.tag], summary: "Partial update", requestBody: { required: true, ...json(ref(`${name}Patch`)) }, responses: { "200": { description: "Updated", ...json(ref(name)) }, ...ERRORS, ...NOT_FOUND } },
      delete: { tags: [r.tag], summary: "Delete", responses: { "204": { description: "Deleted" }, ...ERRORS, ...NOT_FOUND } },
    };
  }

  // Plugin settings: the singleton itself, no envelope.
  const settingsRead = toSchema(settingsReplaceSchema);
  const settingsProps = { ...COMMON_READ, ...properties(settingsRead), has_proxbox_api_key: { type: "boolean", readOnly: true }, created: DATE_TIME, last_updated: DATE_TIME } as Record<string, JsonSchema>;
  delete settingsProps.proxbox_api_key;
  schemas.PluginSettings = { type: "object", properties: settingsProps, required: Object.keys(settingsProps) };
  schemas.PluginSettingsReplace = requestBody(settingsReplaceSchema, SETTINGS_DEFAULTS);
  schemas.PluginSettingsPatch = toSchema(settingsPatchSchema);
  paths["/api/plugins/pdm/settings/"] = {
    get: { tags: ["Plugin settings"], summary: "Read the settings", responses: { "200": { description: "Settings", ...json(ref("PluginSettings")) }, ...ERRORS } },
    put: { tags: ["Plugin settings"], summary: "Replace (admins)", requestBody: { required: true, ...json(ref("PluginSettingsReplace")) }, responses: { "200": { description: "Settings", ...json(ref("PluginSettings")) }, ...ERRORS } },
    patch: { tags: ["Plugin settings"], summary: "Partial update (admins)", requestBody: { required: true, ...json(ref("PluginSettingsPatch")) }, responses: { "200": { description: "Settings", ...json(ref("PluginSettings")) }, ...ERRORS } },
  };

  // Sync runs.
  schemas.SyncRun = { ...toSchema(syncRunRecordSchema, "output"), properties: { ...COMMON_READ, ...properties(toSchema(syncRunRecordSchema, "output")) } };
  schemas.SyncRunDetail = { ...toSchema(syncRunDetailSchema, "output"), properties: { ...COMMON_READ, ...properties(toSchema(syncRunDetailSchema, "output")) } };
  schemas.SyncRunRequest = toSchema(requestSyncRunSchema);
  paths["/api/plugins/pdm/sync-runs/"] = {
    get: { tags: ["Sync runs"], summary: "List sync runs", parameters: listParameters(syncRunListSpec), responses: { "200": { description: "A page", ...json(page(ref("SyncRun"))) }, ...ERRORS } },
    post: { tags: ["Sync runs"], summary: "Request a sync run (all enabled endpoints, or `endpoints`)", requestBody: { required: false, ...json(ref("SyncRunRequest")) }, responses: { "202": { description: "Queued", ...json(ref("SyncRunDetail")) }, ...ERRORS } },
  };
  paths["/api/plugins/pdm/sync-runs/{id}/"] = {
    parameters: [idParam],
    get: { tags: ["Sync runs"], summary: "A run with per-endpoint outcomes, counts, steps and progress", responses: { "200": { description: "The run", ...json(ref("SyncRunDetail")) }, ...ERRORS, ...NOT_FOUND } },
  };
  paths["/api/plugins/pdm/endpoints/{id}/sync/"] = {
    parameters: [idParam],
    post: { tags: ["PDM endpoints"], summary: "Sync this endpoint now", responses: { "202": { description: "Queued", ...json(ref("SyncRunDetail")) }, ...ERRORS, ...NOT_FOUND } },
  };
  schemas.ConnectionTest = {
    type: "object",
    properties: {
      ok: { type: "boolean", description: "TLS accepted, the token authenticated and PDM answered" },
      failed_stage: { type: "string", enum: ["network", "tls", "auth", "api", "secret"], nullable: true, description: "Where the test stopped" },
      reachable: { type: "boolean", description: "The host answered at all (a TLS or authentication failure still reached it)" },
      version: { type: "string", nullable: true },
      fingerprint: { type: "string", nullable: true, description: "What PDM presented" },
      fingerprint_matches: { type: "boolean", nullable: true },
      latency_ms: { type: "integer", nullable: true },
      error: { type: "string", nullable: true },
      error_kind: { type: "string", nullable: true },
    },
  };
  paths["/api/plugins/pdm/endpoints/{id}/test/"] = {
    parameters: [idParam],
    post: { tags: ["PDM endpoints"], summary: "Test the connection to this PDM", responses: { "200": { description: "Result", ...json(ref("ConnectionTest")) }, ...ERRORS, ...NOT_FOUND } },
  };

  // Branches (SPEC §5): addressed by name.
  const withRefs = (s: JsonSchema) => ({ ...s, properties: { ...COMMON_READ, ...properties(s), sync_run: { ...BRIEF, nullable: true } } });
  schemas.Branch = withRefs(toSchema(branchRecordSchema, "output"));
  schemas.BranchDetail = withRefs(toSchema(branchDetailSchema, "output"));
  schemas.BranchMerge = toSchema(mergeBranchSchema);
  const nameParam = { name: "name", in: "path", required: true, schema: { type: "string" } };
  const CONFLICT = { "409": { description: "Conflicts not acknowledged (listed in `conflicts`), or the run is still under way", ...json({ type: "object", properties: { detail: { type: "string" }, conflicts: { type: "array", items: { type: "object" } } }, required: ["detail"] }) } };
  paths["/api/plugins/pdm/branches/"] = {
    get: { tags: ["Branches"], summary: "List sync-run branches", parameters: listParameters(branchListSpec), responses: { "200": { description: "A page", ...json(page(ref("Branch"))) }, ...ERRORS } },
  };
  paths["/api/plugins/pdm/branches/{name}/"] = {
    parameters: [nameParam],
    get: { tags: ["Branches"], summary: "A branch with its diff: per object base / branch / current-main values, conflicts, collisions", responses: { "200": { description: "The branch", ...json(ref("BranchDetail")) }, ...ERRORS, ...NOT_FOUND } },
  };
  paths["/api/plugins/pdm/branches/{name}/merge/"] = {
    parameters: [nameParam],
    post: { tags: ["Branches"], summary: "Merge an open branch into main and the database", requestBody: { required: false, ...json(ref("BranchMerge")) }, responses: { "200": { description: "Merged", ...json(ref("Branch")) }, ...ERRORS, ...NOT_FOUND, ...CONFLICT } },
  };
  paths["/api/plugins/pdm/branches/{name}/discard/"] = {
    parameters: [nameParam],
    post: { tags: ["Branches"], summary: "Discard an open branch (the database is left as it is)", responses: { "200": { description: "Discarded", ...json(ref("Branch")) }, ...ERRORS, ...NOT_FOUND, ...CONFLICT } },
  };

  // Change log (read-only).
  const change = toSchema(objectChangeRecordSchema, "output");
  schemas.ObjectChange = { ...change, properties: { ...COMMON_READ, ...properties(change), changed_object: { ...BRIEF, nullable: true }, sync_run: { ...BRIEF, nullable: true } } };
  paths["/api/core/object-changes/"] = {
    get: { tags: ["Change log"], summary: "List changes", parameters: listParameters(objectChangeListSpec), responses: { "200": { description: "A page", ...json(page(ref("ObjectChange"))) }, ...ERRORS } },
  };
  paths["/api/core/object-changes/{id}/"] = {
    parameters: [idParam],
    get: { tags: ["Change log"], summary: "One change", responses: { "200": { description: "The change", ...json(ref("ObjectChange")) }, ...ERRORS, ...NOT_FOUND } },
  };

  // API tokens.
  schemas.TokenCreate = toSchema(tokenCreateSchema);
  schemas.Token = {
    type: "object",
    properties: {
      ...COMMON_READ,
      user: BRIEF,
      write_enabled: { type: "boolean" },
      expires: { ...DATE_TIME, nullable: true },
      last_used: { ...DATE_TIME, nullable: true },
      description: { type: "string" },
      created: DATE_TIME,
    },
  };
  schemas.TokenCreated = { allOf: [ref("Token"), { type: "object", properties: { key: { type: "string", description: "40 alphanumerics, returned only here" } }, required: ["key"] }] };
  paths["/api/users/tokens/"] = {
    get: { tags: ["API tokens"], summary: "Your tokens (admins: everyone's)", parameters: listParameters(tokenListSpec), responses: { "200": { description: "A page", ...json(page(ref("Token"))) }, ...ERRORS } },
    post: { tags: ["API tokens"], summary: "Create a token (for `user`: admins)", requestBody: { required: true, ...json(ref("TokenCreate")) }, responses: { "201": { description: "Created; `key` is shown once", ...json(ref("TokenCreated")) }, ...ERRORS } },
  };
  paths["/api/users/tokens/{id}/"] = {
    parameters: [idParam],
    get: { tags: ["API tokens"], summary: "One token (never its key)", responses: { "200": { description: "The token", ...json(ref("Token")) }, ...ERRORS, ...NOT_FOUND } },
    delete: { tags: ["API tokens"], summary: "Delete a token", responses: { "204": { description: "Deleted" }, ...ERRORS, ...NOT_FOUND } },
  };

  // Roots, status, schema.
  const rootDoc = (summary: string) => ({ get: { tags: ["API"], summary, responses: { "200": { description: "Endpoint URLs", ...json({ type: "object", additionalProperties: { type: "string", format: "uri" } }) }, ...ERRORS } } });
  for (const p of ["/api/", "/api/plugins/", "/api/plugins/pdm/", "/api/plugins/proxbox/", "/api/plugins/pbs/", "/api/dcim/", "/api/tenancy/", "/api/core/", "/api/users/"]) paths[p] = rootDoc(`The endpoints under ${p}`);
  paths["/api/status/"] = { get: { tags: ["API"], summary: "App, database and workflow-engine state (no authentication)", security: [], responses: { "200": { description: "Status", ...json({ type: "object" }) } } } };
  paths["/api/schema/"] = { get: { tags: ["API"], summary: "This OpenAPI document", responses: { "200": { description: "OpenAPI 3", ...json({ type: "object" }) }, ...ERRORS } } };

  return {
    openapi: "3.0.3",
    info: { title: "netbox-pdm REST API", version: APP_VERSION, description: `NetBox-style REST API (API-Version ${API_VERSION}) for the Proxmox Datacenter Manager inventory.` },
    servers: [{ url: baseUrl }],
    security: [{ tokenAuth: [] }],
    tags: [...new Set(Object.values(paths).flatMap((p) => Object.values(p).flatMap((op) => ((op as { tags?: string[] }).tags ?? []))))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        tokenAuth: { type: "apiKey", in: "header", name: "Authorization", description: "`Token <key>` or `Bearer <key>`" },
      },
      schemas,
    },
  };
}
