import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "@/lib/api/openapi";
import { registryRoutes } from "@/lib/api/routes";
import { callRoute, setupApi } from "@/tests/api";
import { describeEachDb } from "@/tests/db";
import { METHODS, ROUTES } from "./routes";

type Doc = { openapi: string; servers?: unknown; info: { title: string; version: string }; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };

/** The route files on disk, as URL patterns with their exported HTTP methods. */
function routeTree(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const base = path.join(process.cwd(), "app", "api");
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name === "route.ts") {
        const rel = path.relative(base, dir).split(path.sep).join("/");
        if (rel.startsWith("auth") || rel.startsWith("inngest") || rel.startsWith("[[...path]]")) continue;
        const url = `/api/${rel ? `${rel}/` : ""}`.replace(/\[(\w+)\]/g, "{$1}");
        const src = fs.readFileSync(full, "utf8");
        const methods = METHODS.filter((m) => new RegExp(`export (const|async function) (\\{[^}]*\\b${m}\\b[^}]*\\}|${m}\\b)`).test(src));
        out.set(url, methods);
      }
    }
  };
  walk(base);
  // The catch-all serves the routes the object registry derives.
  for (const r of registryRoutes()) out.set(r.path, r.methods);
  return out;
}

/** Structural OpenAPI 3.0 checks: shapes, every $ref resolves, path parameters declared. */
function validate(doc: Doc): string[] {
  const problems: string[] = [];
  if (!/^3\.0\.\d$/.test(doc.openapi)) problems.push("openapi must be 3.0.x");
  if (!doc.info?.title || !doc.info?.version) problems.push("info.title and info.version are required");
  const refs: string[] = [];
  const walk = (node: unknown, where: string) => {
    if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${where}[${i}]`));
    else if (node && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        if (k === "$ref") refs.push(String(v));
        if (k === "type" && typeof v === "string" && !where.includes("securitySchemes") && !["object", "array", "string", "integer", "number", "boolean"].includes(v)) problems.push(`${where}: bad type ${v}`);
        walk(v, `${where}.${k}`);
      }
    }
  };
  walk(doc, "#");
  for (const r of refs) {
    const m = /^#\/components\/schemas\/(.+)$/.exec(r);
    if (!m || !doc.components.schemas[m[1]!]) problems.push(`unresolved $ref ${r}`);
  }
  for (const [p, item] of Object.entries(doc.paths)) {
    if (!p.startsWith("/api/") || !p.endsWith("/")) problems.push(`${p}: paths are /api/…/ with a trailing slash`);
    const pathParams = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const declared = ((item.parameters as { name: string; in: string }[] | undefined) ?? []).filter((x) => x.in === "path").map((x) => x.name);
    for (const name of pathParams) if (!declared.includes(name!)) problems.push(`${p}: path parameter ${name} not declared`);
    for (const [method, op] of Object.entries(item)) {
      if (method === "parameters") continue;
      if (!["get", "post", "put", "patch", "delete"].includes(method)) problems.push(`${p}: unknown key ${method}`);
      const o = op as { responses?: Record<string, unknown>; parameters?: { name?: string; in?: string; schema?: unknown }[] };
      if (!o.responses || !Object.keys(o.responses).length) problems.push(`${p} ${method}: no responses`);
      for (const prm of o.parameters ?? []) if (!prm.name || !prm.in || !prm.schema) problems.push(`${p} ${method}: incomplete parameter`);
    }
  }
  return problems;
}

describe("OpenAPI document", () => {
  const doc = buildOpenApiDocument("http://testserver") as unknown as Doc;

  it("is a valid OpenAPI 3.0 document", () => {
    expect(validate(doc)).toEqual([]);
  });

  it("covers every route file and method in app/api", () => {
    const tree = routeTree();
    expect(tree.size).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const [url, methods] of tree) {
      if (!doc.paths[url]) missing.push(url);
      else for (const m of methods) if (!doc.paths[url]![m.toLowerCase()]) missing.push(`${m} ${url}`);
    }
    expect(missing).toEqual([]);
    // …and the in-process test table knows every route too.
    expect([...tree.keys()].sort()).toEqual(Object.keys(ROUTES).sort());
  });

  it("documents filters, secrets as write-only, references as brief objects", () => {
    const list = doc.paths["/api/plugins/pdm/remotes/"]!.get as { parameters: { name: string }[] };
    const names = list.parameters.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(["remote_type", "remote_type__n", "pdm_endpoint_id", "name__ic", "linked_proxmox_endpoint_id__isnull", "ordering", "limit", "offset", "q", "brief"]));
    const endpoint = doc.components.schemas.PDMendpoints as { properties: Record<string, unknown> };
    expect(endpoint.properties.token_secret).toBeUndefined();
    expect(endpoint.properties.has_token_secret).toBeDefined();
    expect((doc.components.schemas.PDMendpointsCreate as { properties: Record<string, unknown>; required: string[] }).required).toEqual(
      expect.arrayContaining(["name", "host", "token_id", "token_secret"]),
    );
    expect(JSON.stringify(endpoint.properties.site)).toContain('"url"');
  });
});

describeEachDb("GET /api/schema/", (get) => {
  let keys: Awaited<ReturnType<typeof setupApi>>;
  beforeAll(async () => {
    keys = await setupApi(get());
  });
  it("serves the document to authenticated clients", async () => {
    const schema = ROUTES["/api/schema/"]!.GET as Parameters<typeof callRoute>[0];
    expect((await callRoute(schema, "/api/schema/")).status).toBe(401);
    const res = await callRoute(schema, "/api/schema/", { token: keys.viewer });
    expect(res.status).toBe(200);
    expect((res.body as Doc).servers).toEqual([{ url: "http://testserver" }]);
  });
});
