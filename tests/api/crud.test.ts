import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupApi } from "@/tests/api";
import { describeEachDb, uniq } from "@/tests/db";
import { expectChangeLogReplays } from "@/tests/record";
import { objectType, type ObjectType } from "@/lib/object-types";
import { crudServices } from "@/lib/services/registry";
import { api, asJson, listOf, type Json } from "./client";

// The table-driven NetBox API suite (SPEC §6): every object type through list/get/create/PUT/
// PATCH/delete, filters, lookups, ordering, brief, pagination, the error cases and the roles.

const SECRET = "c0ffee00-1111-4222-8333-9444deadbeef";
const FP = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99";

interface Deps {
  site: number;
  tenant: number;
  pve: number;
  pbs: number;
  endpoint: number;
}

/** What the registry cannot know of a type: valid and invalid bodies, filters to try. */
interface Sample {
  type: ObjectType;
  /** A valid create body; `name` must be unique (prefix-able for list tests). */
  make(d: Deps, name: string): Json;
  patch: Json;
  /** Invalid bodies → the field that must carry the error. */
  errors: [Json | ((d: Deps) => Json), string][];
  /** Extra filters: query → whether the created object (made with `make`) matches. */
  filters?: (d: Deps, obj: Json) => [string, boolean][];
  nameField?: string;
  refs?: string[];
  secrets?: string[];
}

const SAMPLES: Sample[] = [
  {
    type: "dcim.site",
    make: (_d, name) => ({ name, slug: name.toLowerCase() }),
    patch: { description: "patched" },
    errors: [
      [{ name: "", slug: "x" }, "name"],
      [{ name: "Bad slug", slug: "Not A Slug" }, "slug"],
      [{ name: "x", slug: "x", color: "red" }, "color"],
      [{ name: 5, slug: "x" }, "name"],
    ],
    filters: (_d, o) => [[`slug=${o.slug}`, true], [`slug__n=${o.slug}`, false], [`name__ic=${String(o.name).slice(-6).toUpperCase()}`, true]],
  },
  {
    type: "tenancy.tenant",
    make: (_d, name) => ({ name, slug: name.toLowerCase(), description: "t" }),
    patch: { description: "patched" },
    errors: [[{ name: "x" }, "slug"]],
    filters: () => [[`description=t`, true], [`description__isnull=true`, false]],
  },
  {
    type: "netbox_proxbox.proxmoxendpoint",
    make: (d, name) => ({ name, host: "pve1.example.net", fingerprint: FP, site: d.site, tenant: d.tenant }),
    patch: { port: 8443 },
    refs: ["site", "tenant"],
    errors: [
      [{ name: "x", host: "bad host!" }, "host"],
      [{ name: "x", host: "h.example", port: 70000 }, "port"],
      [{ name: "x", host: "h.example", fingerprint: "zz" }, "fingerprint"],
      [{ name: "x", host: "h.example", site: 987654 }, "site"],
      [{ name: "x", host: "h.example", port: "8006" }, "port"],
    ],
    filters: (d) => [[`site_id=${d.site}`, true], [`site_id__n=${d.site}`, false], [`tenant_id=null`, false], [`port=8006`, true], [`fingerprint=${FP.toLowerCase()}`, true]],
  },
  {
    type: "netbox_pbs.pbsserver",
    make: (d, name) => ({ name, host: "2001:db8::7", verify_ssl: false, tenant: d.tenant }),
    patch: { verify_ssl: true },
    refs: ["site", "tenant"],
    errors: [[{ name: "x", host: "h.example", verify_ssl: "no" }, "verify_ssl"]],
    filters: (d) => [[`verify_ssl=false`, true], [`verify_ssl=true`, false], [`site_id__isnull=true`, true], [`tenant_id=${d.tenant}`, true]],
  },
  {
    type: "netbox_pdm.pdmendpoint",
    make: (d, name) => ({
      name,
      host: "pdm.example.net",
      token_id: "root@pam!inventory",
      token_secret: SECRET,
      fingerprint: FP,
      site: d.site,
      proxmox_endpoints: [d.pve],
      pbs_servers: [d.pbs],
    }),
    patch: { timeout_seconds: 45 },
    refs: ["site", "tenant", "proxmox_endpoints", "pbs_servers"],
    secrets: ["token_secret"],
    errors: [
      [{ name: "x", host: "h.example", token_id: "root@pam!inventory" }, "token_secret"],
      [{ name: "x", host: "h.example", token_id: "root", token_secret: "s" }, "token_id"],
      [{ name: "x", host: "h.example", token_id: "a@pam!t", token_secret: "s", fingerprint: "12:34" }, "fingerprint"],
      [{ name: "x", host: "h.example", token_id: "a@pam!t", token_secret: "s", port: 0 }, "port"],
      [{ name: "x", host: "h.example", token_id: "a@pam!t", token_secret: "s", proxmox_endpoints: [424242] }, "proxmox_endpoints"],
      [{ name: "x", host: "h.example", token_id: "a@pam!t", token_secret: "s", timeout_seconds: 601 }, "timeout_seconds"],
    ],
    filters: (d) => [[`site_id=${d.site}`, true], [`enabled=true`, true], [`verify_ssl=false`, false], [`host__ic=EXAMPLE`, true]],
  },
  {
    type: "netbox_pdm.pdmremote",
    make: (d, name) => ({
      pdm_endpoint: d.endpoint,
      name: name.replace(/[^A-Za-z0-9._-]/g, "-"),
      remote_type: "pve",
      version: "9.0.10",
      nodes: [{ host: "10.0.0.1", port: 8006, fingerprint: FP }],
      linked_proxmox_endpoint: d.pve,
    }),
    patch: { description: "patched" },
    refs: ["pdm_endpoint", "linked_proxmox_endpoint", "linked_pbs_server"],
    errors: [
      [(d) => ({ pdm_endpoint: d.endpoint, name: "r", remote_type: "pve", linked_pbs_server: d.pbs }), "linked_pbs_server"],
      [(d) => ({ pdm_endpoint: d.endpoint, name: "r", remote_type: "vm" }), "remote_type"],
      [{ pdm_endpoint: 999999, name: "r", remote_type: "pve" }, "pdm_endpoint"],
      [(d) => ({ pdm_endpoint: d.endpoint, name: "r", remote_type: "pbs", nodes: [{ host: "!!" }] }), "nodes.0.host"],
    ],
    filters: (d) => [
      [`remote_type=pve`, true],
      [`remote_type=pbs`, false],
      [`remote_type=pbs&remote_type=pve`, true],
      [`pdm_endpoint_id=${d.endpoint}`, true],
      [`linked_proxmox_endpoint_id=${d.pve}`, true],
      [`link_source=manual`, true],
      [`version__ic=9.0`, true],
    ],
  },
  {
    type: "users.user",
    make: (_d, name) => ({ username: name, password: "a-long-password", role: "viewer" }),
    patch: { role: "editor" },
    nameField: "username",
    secrets: ["password"],
    errors: [
      [{ username: "x", password: "short" }, "password"],
      [{ username: "has space", password: "a-long-password" }, "username"],
      [{ username: "x", password: "a-long-password", role: "root" }, "role"],
    ],
    filters: () => [[`role=viewer`, true], [`role=admin`, false], [`is_active=true`, true]],
  },
];

interface Row extends Sample {
  path: string;
  writeRole: "editor" | "admin";
}

// The table is the registry's CRUD types (path, who may write them), each with its sample.
const TABLE: Row[] = crudServices().map(([kind, service]) => {
  const type = service.definition.objectType;
  const sample = SAMPLES.find((x) => x.type === type);
  if (!sample) throw new Error(`tests/api/crud.test.ts: no sample for ${kind} (${type})`);
  const t = objectType(type);
  return { ...sample, path: t.apiPath, writeRole: t.permissions.write === "inventory.write" ? "editor" : "admin" };
});

describeEachDb("REST API", (get) => {
  let keys: Awaited<ReturnType<typeof setupApi>>;
  const deps = {} as Deps;
  beforeAll(async () => {
    keys = await setupApi(get());
    const make = async (path: string, body: Json) => asJson((await api("POST", path, { token: keys.admin, body })).body).id as number;
    deps.site = await make("/api/dcim/sites/", { name: uniq("dep-site"), slug: uniq("dep-site") });
    deps.tenant = await make("/api/tenancy/tenants/", { name: uniq("dep-tenant"), slug: uniq("dep-tenant") });
    deps.pve = await make("/api/plugins/proxbox/endpoints/", { name: uniq("dep-pve"), host: "dep-pve.example.net" });
    deps.pbs = await make("/api/plugins/pbs/servers/", { name: uniq("dep-pbs"), host: "dep-pbs.example.net" });
    deps.endpoint = await make("/api/plugins/pdm/endpoints/", { name: uniq("dep-pdm"), host: "dep.example.net", token_id: "a@pam!b", token_secret: SECRET });
  });
  // Every write through the REST API leaves a change log that replays to the database.
  afterAll(() => expectChangeLogReplays(get()));

  for (const row of TABLE) {
    describe(row.type, () => {
      const nameField = row.nameField ?? "name";
      const writer = () => (row.writeRole === "admin" ? keys.admin : keys.editor);
      // Users are admin-only, even to read.
      const reader = () => (row.writeRole === "admin" ? keys.admin : keys.viewer);

      it("create, read, patch, put, delete — with the change log", async () => {
        const body = row.make(deps, uniq("crud"));
        const created = await api("POST", row.path, { token: writer(), body });
        expect(created.status, created.text).toBe(201);
        const obj = asJson(created.body);
        expect(obj.url).toBe(`http://testserver${row.path}${obj.id}/`);
        expect(typeof obj.display).toBe("string");
        for (const s of row.secrets ?? []) expect(obj[s]).toBeUndefined();
        expect(created.text).not.toContain(SECRET);
        for (const r of row.refs ?? []) {
          const v = obj[r];
          const first = Array.isArray(v) ? v[0] : v;
          if (first) expect(first).toMatchObject({ id: expect.any(Number), url: expect.stringMatching(/^http:\/\/testserver\/api\//), display: expect.any(String) });
        }
        const url = `${row.path}${obj.id}/`;
        const read = await api("GET", url, { token: reader() });
        expect(read.status).toBe(200);
        expect(asJson(read.body).id).toBe(obj.id);

        const patched = await api("PATCH", url, { token: writer(), body: row.patch });
        expect(patched.status, patched.text).toBe(200);
        for (const [k, v] of Object.entries(row.patch)) expect(asJson(patched.body)[k]).toEqual(v);
        // PUT is full: the create body again (secrets may be omitted: absent keeps the stored one).
        const putBody = Object.fromEntries(Object.entries(body).filter(([k]) => !(row.secrets ?? []).includes(k) || row.type === "users.user"));
        const put = await api("PUT", url, { token: writer(), body: putBody });
        expect(put.status, put.text).toBe(200);
        // Changes to users and tokens are an admin's to read (issue 17); the rest anyone's.
        const logReader = row.type.startsWith("users.") ? keys.admin : keys.viewer;
        const log = listOf((await api("GET", `/api/core/object-changes/?changed_object_type=${row.type}&changed_object_id=${obj.id}`, { token: logReader })).body);
        expect(log.results.map((c) => c.action)).toEqual(["update", "update", "create"]);
        expect(JSON.stringify(log)).not.toContain(SECRET);

        const del = await api("DELETE", url, { token: writer() });
        expect(del.status).toBe(204);
        expect((await api("GET", url, { token: reader() })).status).toBe(404);
      });

      it("GET → PUT the same body back: read-only fields ignored, nested references taken by id, nothing changed", async () => {
        const created = asJson((await api("POST", row.path, { token: writer(), body: row.make(deps, uniq("rt")) })).body);
        const url = `${row.path}${created.id}/`;
        const got = asJson((await api("GET", url, { token: writer() })).body);
        for (const m of ["PUT", "PATCH"]) {
          const res = await api(m, url, { token: writer(), body: got });
          expect(res.status, `${m} ${res.text}`).toBe(200);
        }
        const after = asJson((await api("GET", url, { token: writer() })).body);
        const stable = (o: Json) => ({ ...o, last_updated: undefined });
        expect(stable(after)).toEqual(stable(got));
        // Read-only fields are ignored, whatever they say; unknown fields are still refused.
        const ignored = await api("PATCH", url, { token: writer(), body: { id: 1, url: "x", display: "x", created: "x", last_updated: "x" } });
        expect(ignored.status, ignored.text).toBe(200);
        expect(asJson(ignored.body).id).toBe(created.id);
        const unknown = await api("PUT", url, { token: writer(), body: { ...got, bogus: 1 } });
        expect(unknown.status).toBe(400);
        expect(asJson(unknown.body)).toEqual({ bogus: ["Unknown field."] });
      });

      it("lists: filters (OR when repeated), lookups, ordering, brief and pagination", async () => {
        const prefix = uniq("lst");
        const made: Json[] = [];
        for (const n of ["c", "a", "b"]) made.push(asJson((await api("POST", row.path, { token: writer(), body: row.make(deps, `${prefix}-${n}`) })).body));
        const base = `${row.path}?${nameField}__ic=${prefix}`;
        const page1 = await api("GET", `${base}&ordering=${nameField}&limit=2`, { token: reader() });
        expect(page1.status).toBe(200);
        const l1 = listOf(page1.body);
        expect(l1.count).toBe(3);
        expect(l1.results.map((r) => String(r[nameField]).slice(-1))).toEqual(["a", "b"]);
        expect(l1.previous).toBeNull();
        expect(l1.next).toMatch(/^http:\/\/testserver\/api\/.*offset=2/);
        const l2 = listOf((await api("GET", l1.next!.replace("http://testserver", ""), { token: reader() })).body);
        expect(l2.results.map((r) => String(r[nameField]).slice(-1))).toEqual(["c"]);
        expect(l2.next).toBeNull();
        expect(l2.previous).toMatch(/limit=2/);
        const desc = listOf((await api("GET", `${base}&ordering=-${nameField}`, { token: reader() })).body);
        expect(desc.results.map((r) => String(r[nameField]).slice(-1))).toEqual(["c", "b", "a"]);
        const or = listOf((await api("GET", `${row.path}?id=${made[0]!.id}&id=${made[1]!.id}`, { token: reader() })).body);
        expect(or.count).toBe(2);
        const not = listOf((await api("GET", `${base}&id__n=${made[0]!.id}`, { token: reader() })).body);
        expect(not.count).toBe(2);
        const brief = listOf((await api("GET", `${base}&brief=true`, { token: reader() })).body);
        for (const r of brief.results) expect(Object.keys(r).sort()).toEqual(expect.arrayContaining(["display", "id", "name", "url"]));
        expect(Object.keys(brief.results[0]!).length).toBeLessThanOrEqual(5);
        const q = listOf((await api("GET", `${row.path}?q=${prefix}`, { token: reader() })).body);
        expect(q.count).toBe(3);
        for (const [query, matches] of row.filters?.(deps, made[0]!) ?? []) {
          const res = await api("GET", `${row.path}?id=${made[0]!.id}&${query}`, { token: reader() });
          expect(res.status, `${query}: ${res.text}`).toBe(200);
          expect(listOf(res.body).count, query).toBe(matches ? 1 : 0);
        }
        expect((await api("GET", `${row.path}?id=abc`, { token: reader() })).status).toBe(400);
      });

      it("validation errors are 400 field errors; bad bodies are 400; unknown ids 404", async () => {
        for (const [bad, field] of row.errors) {
          const body = typeof bad === "function" ? bad(deps) : bad;
          const res = await api("POST", row.path, { token: writer(), body });
          expect(res.status, JSON.stringify(body)).toBe(400);
          expect(Object.keys(asJson(res.body)), JSON.stringify(res.body)).toContain(field);
        }
        const name = uniq("dup");
        expect((await api("POST", row.path, { token: writer(), body: row.make(deps, name) })).status).toBe(201);
        const dup = await api("POST", row.path, { token: writer(), body: row.make(deps, name) });
        expect(dup.status).toBe(400);
        expect(Object.keys(asJson(dup.body))).toContain(nameField);
        for (const raw of ["{not json", "[1,2]", '"text"', "42", "null", ""]) {
          const res = await api("POST", row.path, { token: writer(), body: raw });
          expect(res.status, raw).toBe(400);
        }
        for (const id of ["999999", "abc", "0", "99999999999999999999"]) {
          expect((await api("GET", `${row.path}${id}/`, { token: reader() })).status).toBe(404);
          expect((await api("PATCH", `${row.path}${id}/`, { token: writer(), body: {} })).status).toBe(404);
          expect((await api("DELETE", `${row.path}${id}/`, { token: writer() })).status).toBe(404);
        }
      });

      it("roles: anonymous 401, viewer and read-only tokens 403 on writes", async () => {
        expect((await api("GET", row.path)).status).toBe(401);
        const viewer = await api("POST", row.path, { token: keys.viewer, body: row.make(deps, uniq("v")) });
        expect(viewer.status).toBe(403);
        expect(asJson(viewer.body).detail).toEqual(expect.any(String));
        expect((await api("POST", row.path, { token: keys.readOnly, body: row.make(deps, uniq("ro")) })).status).toBe(403);
        if (row.writeRole === "editor") expect((await api("GET", row.path, { token: keys.readOnly })).status).toBe(200);
      });
    });
  }

  describe("plugin settings", () => {
    it("a singleton: GET, PATCH, PUT (admins), write-only key", async () => {
      const got = await api("GET", "/api/plugins/pdm/settings/", { token: keys.viewer });
      expect(got.status).toBe(200);
      expect(asJson(got.body)).toMatchObject({ id: 1, branch_name_prefix: "pdm-sync", pdm_fetch_concurrency: 8, has_proxbox_api_key: false });
      expect(asJson(got.body).count).toBeUndefined();
      expect((await api("PATCH", "/api/plugins/pdm/settings/", { token: keys.editor, body: { pdm_enabled: false } })).status).toBe(403);
      const patched = await api("PATCH", "/api/plugins/pdm/settings/", { token: keys.admin, body: { proxbox_api_key: SECRET, sync_schedule: "0 * * * *" } });
      expect(patched.status).toBe(200);
      expect(patched.text).not.toContain(SECRET);
      expect(asJson(patched.body).has_proxbox_api_key).toBe(true);
      const bad = await api("PATCH", "/api/plugins/pdm/settings/", { token: keys.admin, body: { pdm_fetch_concurrency: 0, sync_schedule: "nope", branch_on_conflict: "merge" } });
      expect(Object.keys(asJson(bad.body)).sort()).toEqual(["branch_on_conflict", "pdm_fetch_concurrency", "sync_schedule"]);
      const put = await api("PUT", "/api/plugins/pdm/settings/", { token: keys.admin, body: { branching_enabled: false } });
      expect(put.status).toBe(200);
      expect(asJson(put.body)).toMatchObject({ sync_schedule: "", has_proxbox_api_key: true });
    });
  });

  describe("lists in general", () => {
    it("clamps limit to 1000 and treats limit=0 as the largest page", async () => {
      const big = listOf((await api("GET", "/api/dcim/sites/?limit=5000", { token: keys.viewer })).body);
      expect(big.results.length).toBeLessThanOrEqual(1000);
      const zero = await api("GET", "/api/dcim/sites/?limit=0", { token: keys.viewer });
      expect(zero.status).toBe(200);
      const neg = await api("GET", "/api/dcim/sites/?limit=-1", { token: keys.viewer });
      expect(neg.status).toBe(400);
    });

    it("object changes filter by type, id, action and sync run", async () => {
      const site = asJson((await api("POST", "/api/dcim/sites/", { token: keys.editor, body: { name: uniq("oc"), slug: uniq("oc") } })).body);
      const res = listOf((await api("GET", `/api/core/object-changes/?changed_object_type=dcim.site&changed_object_id=${site.id}&action=create`, { token: keys.viewer })).body);
      expect(res.count).toBe(1);
      expect(res.results[0]).toMatchObject({ action: "create", changed_object: { id: site.id, url: `http://testserver/api/dcim/sites/${site.id}/` }, sync_run: null });
      const detail = await api("GET", `/api/core/object-changes/${res.results[0]!.id}/`, { token: keys.viewer });
      expect(asJson(detail.body).postchange_data).toMatchObject({ name: site.name });
      expect((await api("GET", "/api/core/object-changes/?action=rename", { token: keys.viewer })).status).toBe(400);
      expect(listOf((await api("GET", "/api/core/object-changes/?sync_run_id=999999", { token: keys.viewer })).body).count).toBe(0);
    });

    it("API roots list absolute URLs and send API-Version", async () => {
      const res = await api("GET", "/api/plugins/pdm/", { token: keys.viewer });
      expect(res.headers.get("api-version")).toBe("4.6");
      expect(asJson(res.body).endpoints).toBe("http://testserver/api/plugins/pdm/endpoints/");
    });
  });
});
