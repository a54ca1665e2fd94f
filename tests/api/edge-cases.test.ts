import { beforeAll, describe, expect, it } from "vitest";
import { setupApi } from "@/tests/api";
import { describeEachDb, uniq } from "@/tests/db";
import { api, asJson, listOf } from "./client";
import { LIST_PATHS } from "./routes";

// Deterministic edge cases the property test may not hit (SPEC §6: "No input ever yields a 500"):
// tricky query strings on every list, odd ids, odd bodies on every write, and client-controlled
// forwarding headers, which feed the absolute `url`, `next` and `previous` links.

const LISTS = LIST_PATHS;

const QUERIES = [
  "limit=abc", "limit=-1", "limit=1.5", "limit=1e3", "limit=99999999999", "limit=0", "limit=", "offset=1e99", "offset=-1",
  "offset=99999999999", `offset=${"9".repeat(400)}`, "ordering=unknown", "ordering=-", "ordering=,,,", "ordering=-name,id", "brief=true", "brief=1",
  "id__n=x", "id__n=1&id__n=2", "foo=bar", "name__foo=x", "x__y__z=1", "id=99999999999", "id=2147483648", "id=-2147483649",
  "name__isnull=maybe", "site_id__isnull=maybe", "site_id=null", "site_id__n=null", "q=%F0%9F%99%82", "q=%00", "q=%25", "q=_", "q=%5C",
  "created__gte=garbage", "created__gte=0001-01-01", "created__gte=10000-01-01", "created__gte=1e99", "id__gt=2147483648", "id__ic=1",
  "name__ic=%00", `name=${"a".repeat(10000)}`, "__=1", "__isnull=true", "constructor=1", "__proto__=1", "toString__n=1", "hasOwnProperty=1",
  "changed_object_id=abc", "sync_run_id=x", "action=x", "role=x", "remote_type=x", "status=x", "enabled=maybe", "expires__gte=x", "user_id=x",
  "pdm_endpoint_id=1.5", "port__gt=1e99",
];

const BODIES: unknown[] = [
  "[]", "null", '"x"', "1", "true", "{", "\u0000", "{}", { name: null }, { name: 1 }, { name: "🙂".repeat(50) }, { name: "a".repeat(101) },
  { name: "\u202e\u0301x" }, { site: "1" }, { site: 1.5 }, { site: -1 }, { site: 1e308 }, { site: 2 ** 31 }, { site: {} }, { site: [1] },
  { port: 1e308 }, { port: 8006.5 }, { port: null }, { host: null }, { host: "fe80::1%eth0" }, { host: "a".repeat(300) }, { fingerprint: 5 },
  { description: null }, { description: "x".repeat(3000) }, { proxmox_endpoints: [1, 1] }, { proxmox_endpoints: "1" }, { proxmox_endpoints: [2 ** 40] },
  { token_secret: null }, { token_id: null }, { timeout_seconds: "30" }, { nodes: [{}] }, { nodes: "x" }, { nodes: Array(100).fill({ host: "h" }) },
  { remote_type: null }, { link_source: "auto" }, { linked_proxmox_endpoint: 999999 }, { pdm_endpoint: null }, { unknown_field: 1 },
  JSON.stringify({ __proto__: { name: "x" } }), { "": 1 }, { sync_schedule: "* * * * * * *" }, { pdm_fetch_concurrency: 1e308 },
  { proxbox_api_url: "javascript:x" }, { proxbox_api_key: 1 },
];

describeEachDb("API edge cases", (get) => {
  let keys: Awaited<ReturnType<typeof setupApi>>;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    keys = await setupApi(get());
    const make = async (p: string, b: unknown) => asJson((await api("POST", p, { token: keys.admin, body: b })).body).id as number;
    ids.site = await make("/api/dcim/sites/", { name: uniq("edge"), slug: uniq("edge") });
    for (let i = 0; i < 2; i++) await make("/api/dcim/sites/", { name: uniq("edge"), slug: uniq("edge") });
    ids.tenant = await make("/api/tenancy/tenants/", { name: uniq("edge"), slug: uniq("edge") });
    ids.pve = await make("/api/plugins/proxbox/endpoints/", { name: uniq("edge"), host: "pve.example" });
    ids.pbs = await make("/api/plugins/pbs/servers/", { name: uniq("edge"), host: "pbs.example" });
    ids.endpoint = await make("/api/plugins/pdm/endpoints/", { name: uniq("edge"), host: "pdm.example", token_id: "a@pam!b", token_secret: "s" });
    ids.remote = await make("/api/plugins/pdm/remotes/", { pdm_endpoint: ids.endpoint, name: "edge-r1", remote_type: "pve" });
  });

  const below500 = (r: { status: number; text: string }, what: string) => expect(r.status, `${what} → ${r.text.slice(0, 200)}`).toBeLessThan(500);

  it("tricky query strings on every list: never a 500", async () => {
    for (const path of LISTS) for (const q of QUERIES) below500(await api("GET", `${path}?${q}`, { token: keys.admin }), `GET ${path}?${q.slice(0, 60)}`);
  });

  it("limit above 1000 is clamped however many digits it has; an offset past the end is an empty page", async () => {
    const big = await api("GET", "/api/dcim/sites/?limit=99999999999", { token: keys.viewer });
    expect(big.status, big.text).toBe(200);
    expect(listOf(big.body).results.length).toBeLessThanOrEqual(1000);
    const far = await api("GET", "/api/dcim/sites/?limit=1&offset=99999999999", { token: keys.viewer });
    expect(far.status, far.text).toBe(200);
    const page = listOf(far.body);
    expect(page.results).toEqual([]);
    expect(page.count).toBeGreaterThanOrEqual(3);
    expect(page.previous).toMatch(/^http:\/\/testserver\/api\/dcim\/sites\/\?/);
    expect((await api("GET", `/api/plugins/pdm/sync-runs/?offset=${"9".repeat(400)}`, { token: keys.viewer })).status).toBe(200);
  });

  it("brief=true on every list gives {id, url, display, name}", async () => {
    for (const path of LISTS) {
      const res = await api("GET", `${path}?brief=true&limit=1`, { token: keys.admin });
      expect(res.status, path).toBe(200);
      for (const r of listOf(res.body).results) expect(Object.keys(r), path).toEqual(expect.arrayContaining(["id", "url", "display", "name"]));
    }
  });

  it("odd ids on every detail URL: 404, never a 500", async () => {
    for (const path of LISTS) for (const id of ["1.0", "%201", "%00", "1e3", "2147483648", "-1", "0x1", "１", "99999999999999999999"]) {
      for (const m of ["GET", "PATCH", "PUT", "DELETE"]) {
        const res = await api(m, `${path}${id}/`, { token: keys.admin, body: m === "PATCH" || m === "PUT" ? {} : undefined });
        below500(res, `${m} ${path}${id}/`);
        if (res.status !== 405) expect(res.status, `${m} ${path}${id}/`).toBe(404);
      }
    }
  });

  it("odd bodies on every write: 400 or success, never a 500", async () => {
    const details: Record<string, string> = {
      "/api/dcim/sites/": `/api/dcim/sites/${ids.site}/`,
      "/api/tenancy/tenants/": `/api/tenancy/tenants/${ids.tenant}/`,
      "/api/plugins/proxbox/endpoints/": `/api/plugins/proxbox/endpoints/${ids.pve}/`,
      "/api/plugins/pbs/servers/": `/api/plugins/pbs/servers/${ids.pbs}/`,
      "/api/plugins/pdm/endpoints/": `/api/plugins/pdm/endpoints/${ids.endpoint}/`,
      "/api/plugins/pdm/remotes/": `/api/plugins/pdm/remotes/${ids.remote}/`,
      "/api/plugins/pdm/settings/": "/api/plugins/pdm/settings/",
    };
    for (const [list, detail] of Object.entries(details)) {
      for (const body of BODIES) {
        const what = JSON.stringify(body)?.slice(0, 80);
        if (!list.includes("settings")) below500(await api("POST", list, { token: keys.admin, body }), `POST ${list} ${what}`);
        for (const m of ["PUT", "PATCH"]) below500(await api(m, detail, { token: keys.admin, body }), `${m} ${detail} ${what}`);
      }
    }
  });

  it("PUT is validated like create; PATCH cannot null a required field", async () => {
    const required: [string, string[]][] = [
      [`/api/dcim/sites/${ids.site}/`, ["name", "slug"]],
      [`/api/tenancy/tenants/${ids.tenant}/`, ["name", "slug"]],
      [`/api/plugins/proxbox/endpoints/${ids.pve}/`, ["name", "host"]],
      [`/api/plugins/pbs/servers/${ids.pbs}/`, ["name", "host"]],
      // The stored secret is kept on PUT, so token_secret is not among them.
      [`/api/plugins/pdm/endpoints/${ids.endpoint}/`, ["name", "host", "token_id"]],
      [`/api/plugins/pdm/remotes/${ids.remote}/`, ["pdm_endpoint", "name", "remote_type"]],
    ];
    for (const [url, fields] of required) {
      const put = await api("PUT", url, { token: keys.admin, body: {} });
      expect(put.status, url).toBe(400);
      expect(Object.keys(asJson(put.body)).sort(), url).toEqual([...fields].sort());
      for (const f of fields) {
        const patch = await api("PATCH", url, { token: keys.admin, body: { [f]: null } });
        expect(patch.status, `${url} ${f}=null`).toBe(400);
        expect(Object.keys(asJson(patch.body)), `${url} ${f}=null`).toEqual([f]);
      }
    }
  });

  it("bodies nested absurdly deep are a 400, not a stack overflow", async () => {
    const depth = 20000;
    const bodies = [`{"name": ${"[".repeat(depth)}${"]".repeat(depth)}}`, `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`];
    const targets: [string, string][] = [
      ["POST", "/api/dcim/sites/"],
      ["PUT", `/api/dcim/sites/${ids.site}/`],
      ["PATCH", `/api/plugins/pdm/endpoints/${ids.endpoint}/`],
      ["PATCH", "/api/plugins/pdm/settings/"],
      ["POST", "/api/users/tokens/"],
      ["POST", "/api/plugins/pdm/sync-runs/"],
    ];
    for (const body of bodies) for (const [m, p] of targets) {
      const res = await api(m, p, { token: keys.admin, body });
      expect(res.status, `${m} ${p} → ${res.text.slice(0, 200)}`).toBe(400);
      expect(asJson(res.body).detail).toMatch(/nests deeper than 64 levels/);
    }
    // Ordinary nesting is still validated field by field.
    const shallow = await api("POST", "/api/dcim/sites/", { token: keys.admin, body: { name: uniq("edge"), slug: uniq("edge"), description: [[[["x"]]]] } });
    expect(shallow.status).toBe(400);
    expect(Object.keys(asJson(shallow.body))).toEqual(["description"]);
  });

  describe("forwarding headers", () => {
    const bad: Record<string, string>[] = [
      { "x-forwarded-host": "a b" },
      { "x-forwarded-host": "[" },
      { "x-forwarded-host": "" },
      { "x-forwarded-host": "ex.com:99999" },
      { "x-forwarded-host": "evil.example/path?x" },
      { "x-forwarded-proto": "a b" },
      { "x-forwarded-proto": "" },
      { "x-forwarded-proto": "javascript" },
    ];

    it("malformed ones fall back to the request's own origin instead of failing", async () => {
      for (const headers of bad) {
        // limit=1 with several sites: the response carries a `next` link built from the base URL.
        const res = await api("GET", "/api/dcim/sites/?limit=1", { token: keys.viewer, headers });
        expect(res.status, `${JSON.stringify(headers)} → ${res.text.slice(0, 200)}`).toBe(200);
        const page = listOf(res.body);
        expect(page.next).toMatch(/^http:\/\/testserver\/api\/dcim\/sites\/\?/);
        expect(page.results[0]!.url).toMatch(/^http:\/\/testserver\/api\/dcim\/sites\/\d+\/$/);
      }
    });

    it("well-formed ones are honoured (the scheme, host and port the client used)", async () => {
      const res = await api("GET", "/api/dcim/sites/?limit=1", { token: keys.viewer, headers: { "x-forwarded-host": "nb.example:8443, proxy.internal", "x-forwarded-proto": "https" } });
      expect(res.status).toBe(200);
      expect(listOf(res.body).next).toMatch(/^https:\/\/nb\.example:8443\/api\/dcim\/sites\/\?/);
    });
  });
});
