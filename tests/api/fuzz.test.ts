import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import { setupApi } from "@/tests/api";
import { describeEachDb, uniq } from "@/tests/db";
import { CREATE_PATHS, LIST_PATHS } from "./routes";
import { api, asJson } from "./client";

// Property: whatever body or query string a client sends to any write or list endpoint, the API
// answers with JSON and a status below 500, and never echoes a secret.

const TOKEN_SECRET = "f00dfeed-2222-4333-8444-5555aaaabbbb";
const PROXBOX_KEY = "proxbox-key-9a8b7c6d5e4f";

const FIELDS = [
  "name", "slug", "host", "port", "fingerprint", "site", "tenant", "token_id", "token_secret", "verify_ssl", "enabled",
  "timeout_seconds", "proxmox_endpoints", "pbs_servers", "description", "pdm_endpoint", "remote_type", "nodes", "version",
  "linked_proxmox_endpoint", "linked_pbs_server", "link_source", "status", "username", "password", "role", "is_active",
  "write_enabled", "expires", "user", "endpoints", "proxbox_api_key", "sync_schedule", "pdm_fetch_concurrency",
  "branch_name_prefix", "branch_on_conflict", "id", "url",
];
const QUERY_KEYS = [
  "limit", "offset", "q", "ordering", "brief", "id", "id__n", "name", "name__ic", "name__n", "name__isnull", "site_id", "site_id__n",
  "remote_type", "pdm_endpoint_id", "status", "enabled", "created__gte", "last_updated__lt", "port__gt", "action", "changed_object_id",
  "sync_run_id", "role", "x__y__z", "__", "limit__ic",
];

const scalar = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("", "\u0000", "null", "-1", "99999999999999999999", "1e308", "🙂", "a".repeat(3000), "2026-13-45", "-0"),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((b) => Number(b)),
);
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 6 }), scalar, { maxKeys: 3 }));
const body = fc.oneof(
  { weight: 5, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 8 }) },
  { weight: 1, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);
const query = fc
  .array(fc.tuple(fc.constantFrom(...QUERY_KEYS), fc.oneof(fc.string({ unit: "binary", maxLength: 20 }), fc.constantFrom("-1", "0", "1000000", "true", "null", "9999999999999", "\u0000", "2026-01-01", "1e99"))), { maxLength: 5 })
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&"));

const LISTS = LIST_PATHS;
const CREATES = CREATE_PATHS;

describeEachDb("API fuzzing", (get) => {
  let keys: Awaited<ReturnType<typeof setupApi>>;
  const ids: Record<string, number> = {};
  let runs = 25;
  const seen: string[] = [];

  beforeAll(async () => {
    keys = await setupApi(get());
    runs = get().kind === "pglite" ? 60 : 25;
    const ep = await api("POST", "/api/plugins/pdm/endpoints/", {
      token: keys.admin,
      body: { name: uniq("fuzz"), host: "fuzz.example.net", token_id: "root@pam!fuzz", token_secret: TOKEN_SECRET },
    });
    ids.endpoint = asJson(ep.body).id as number;
    await api("PATCH", "/api/plugins/pdm/settings/", { token: keys.admin, body: { proxbox_api_key: PROXBOX_KEY } });
    const site = await api("POST", "/api/dcim/sites/", { token: keys.admin, body: { name: uniq("fuzz"), slug: uniq("fuzz") } });
    ids.site = asJson(site.body).id as number;
  });

  function check(res: { status: number; text: string }, what: string) {
    seen.push(res.text);
    expect(res.status, `${what} → ${res.status}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
    // 204 has no body; 405 (a method the route does not export) is Next's own empty answer.
    if (res.status !== 204 && res.status !== 405) expect(() => JSON.parse(res.text), what).not.toThrow();
    expect(res.text).not.toContain(TOKEN_SECRET);
    expect(res.text).not.toContain(PROXBOX_KEY);
  }

  it("list endpoints never answer 500, whatever the query string", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...LISTS), query, async (path, qs) => {
        check(await api("GET", `${path}?${qs}`, { token: keys.admin }), `GET ${path}?${qs}`);
      }),
      { numRuns: runs * 3 },
    );
  });

  it("create, replace and update never answer 500, whatever the body", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CREATES), body, async (path, b) => {
        check(await api("POST", path, { token: keys.admin, body: b }), `POST ${path} ${JSON.stringify(b)}`);
      }),
      { numRuns: runs * 3 },
    );
    const details = [`/api/plugins/pdm/endpoints/${ids.endpoint}/`, `/api/dcim/sites/${ids.site}/`, "/api/plugins/pdm/settings/"];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...details), fc.constantFrom("PUT", "PATCH"), body, async (path, method, b) => {
        check(await api(method, path, { token: keys.admin, body: b }), `${method} ${path} ${JSON.stringify(b)}`);
      }),
      { numRuns: runs * 2 },
    );
    await fc.assert(
      // Sync runs are only requested here, not executed.
      fc.asyncProperty(body, async (b) => {
        check(await api("POST", "/api/plugins/pdm/sync-runs/", { token: keys.admin, body: b }), "POST /api/plugins/pdm/sync-runs/");
      }),
      { numRuns: runs },
    );
  });

  it("many repeated filters never answer 500 (400 beyond the caps)", async () => {
    const repeated = fc
      .tuple(fc.constantFrom("name__ic", "id", "name", "site_id", "q", "name__nisw", "status", "x__y"), fc.integer({ min: 1, max: 400 }), fc.string({ maxLength: 8 }))
      .map(([key, n, v]) => Array.from({ length: n }, (_, i) => `${key}=${encodeURIComponent(v + String(i))}`).join("&"));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...LISTS), repeated, query, async (path, many, qs) => {
        const res = await api("GET", `${path}?${many}&${qs}`, { token: keys.viewer });
        check(res, `GET ${path}?${many.slice(0, 80)}…`);
      }),
      { numRuns: runs },
    );
  });

  it("bodies over the size limit or not JSON never answer 500 (413, 415)", async () => {
    process.env.API_MAX_BODY_BYTES = "2048";
    try {
      const writes: [string, string][] = [
        ...CREATES.map((p): [string, string] => ["POST", p]),
        ["PUT", `/api/plugins/pdm/endpoints/${ids.endpoint}/`],
        ["PATCH", `/api/dcim/sites/${ids.site}/`],
        ["PATCH", "/api/plugins/pdm/settings/"],
        ["POST", "/api/plugins/pdm/sync-runs/"],
      ];
      const big = fc.tuple(fc.integer({ min: 2049, max: 20_000 }), fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "")).map(([n, type]) => ({
        text: JSON.stringify({ description: "d".repeat(n) }),
        type,
      }));
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...writes), fc.oneof(big, fc.record({ text: fc.string({ maxLength: 100 }), type: fc.constantFrom("text/plain", "text/html", "application/xml") })), fc.boolean(), async ([method, path], b, anonymous) => {
          const headers: Record<string, string> = b.type ? { "content-type": b.type } : {};
          const res = await api(method, path, { token: anonymous ? undefined : keys.admin, body: b.text, headers });
          check(res, `${method} ${path} (${b.text.length} bytes, ${b.type || "no type"})`);
          if (!anonymous && b.text.length > 2048) expect(res.status).toBe(413);
        }),
        { numRuns: runs * 2 },
      );
    } finally {
      delete process.env.API_MAX_BODY_BYTES;
    }
  });

  it("detail endpoints never answer 500, whatever the id", async () => {
    const idArb = fc.oneof(fc.integer().map(String), fc.string({ minLength: 1, maxLength: 12 }).map(encodeURIComponent), fc.constantFrom("0", "-1", "2147483648", "1e3", "%00"));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CREATES), idArb, fc.constantFrom("GET", "PATCH", "DELETE"), async (path, id, method) => {
        const res = await api(method, `${path}${id}/`, { token: keys.editor, body: method === "PATCH" ? {} : undefined });
        check(res, `${method} ${path}${id}/`);
      }),
      { numRuns: runs * 2 },
    );
    expect(seen.length).toBeGreaterThan(0);
  });
});
