import { beforeAll, describe, expect, it } from "vitest";
import { setupApi } from "@/tests/api";
import { describeEachDb, uniq } from "@/tests/db";
import { api, asJson } from "./client";

// What a write body may hold, the NetBox/DRF way: a missing field and a field of the wrong type
// get different messages, read-only fields are ignored (GET → PUT works), a nested reference
// object counts as its id, and a write body must be a JSON object.

describeEachDb("API write bodies", (get) => {
  let keys: Awaited<ReturnType<typeof setupApi>>;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    keys = await setupApi(get());
    const make = async (p: string, b: unknown) => asJson((await api("POST", p, { token: keys.admin, body: b })).body).id as number;
    ids.site = await make("/api/dcim/sites/", { name: uniq("wb-site"), slug: uniq("wb-site") });
    ids.site2 = await make("/api/dcim/sites/", { name: uniq("wb-site"), slug: uniq("wb-site") });
    ids.pve = await make("/api/plugins/proxbox/endpoints/", { name: uniq("wb-pve"), host: "pve.example" });
    ids.pbs = await make("/api/plugins/pbs/servers/", { name: uniq("wb-pbs"), host: "pbs.example" });
    ids.endpoint = await make("/api/plugins/pdm/endpoints/", { name: uniq("wb-pdm"), host: "pdm.example", token_id: "a@pam!b", token_secret: "s" });
  });

  const post = async (path: string, body: unknown, token = keys.admin) => {
    const res = await api("POST", path, { token, body });
    return { status: res.status, body: asJson(res.body) };
  };

  describe("field error messages", () => {
    it("a wrong type says what is wrong; a missing field is required", async () => {
      const site = await post("/api/dcim/sites/", { name: 5 });
      expect(site.status).toBe(400);
      expect(site.body).toEqual({ name: ["Expected a string."], slug: ["This field is required."] });

      const token = await post("/api/users/tokens/", { write_enabled: "y" });
      expect(token.status).toBe(400);
      expect(token.body).toEqual({ write_enabled: ["Must be a valid boolean."] });

      const nulls = await post("/api/dcim/sites/", { name: null, slug: [] });
      expect(nulls.body).toEqual({ name: ["This field may not be null."], slug: ["Expected a string."] });

      const remote = await post("/api/plugins/pdm/remotes/", { pdm_endpoint: ids.endpoint, name: "r", nodes: [{ host: 5 }, {}] });
      expect(remote.body).toEqual({
        remote_type: ["This field is required."],
        "nodes.0.host": ["Expected a string."],
        "nodes.1.host": ["This field is required."],
      });
    });

    it("schema wording that explains more is kept; DRF's otherwise", async () => {
      const pve = await post("/api/plugins/proxbox/endpoints/", { name: "x", host: "h.example", port: "8006", verify_ssl: 1 });
      expect(pve.body).toEqual({ port: ["Enter a whole number between 1 and 65535."], verify_ssl: ["Unknown field."] });
      const pbs = await post("/api/plugins/pbs/servers/", { name: "x", host: "h.example", verify_ssl: "no", description: 5 });
      expect(pbs.body).toEqual({ verify_ssl: ["Must be a valid boolean."], description: ["Enter text."] });
      const patch = await api("PATCH", "/api/plugins/pdm/settings/", { token: keys.admin, body: { pdm_enabled: "yes", branch_name_prefix: 7 } });
      expect(asJson(patch.body)).toEqual({ pdm_enabled: ["Must be a valid boolean."], branch_name_prefix: ["Enter a branch name prefix."] });
      const put = await api("PUT", `/api/plugins/pdm/endpoints/${ids.endpoint}/`, { token: keys.admin, body: { name: "x", host: "h.example" } });
      expect(asJson(put.body)).toEqual({ token_id: ["This field is required."] });
    });
  });

  describe("nested references", () => {
    it("a nested object with an id is that id, on every reference field and in lists", async () => {
      const site = asJson((await api("GET", `/api/dcim/sites/${ids.site2}/`, { token: keys.viewer })).body);
      const pve = await post("/api/plugins/proxbox/endpoints/", { name: uniq("wb-nest"), host: "n.example", site, tenant: null });
      expect(pve.status, JSON.stringify(pve.body)).toBe(201);
      expect(pve.body.site).toMatchObject({ id: ids.site2 });

      const patched = await api("PATCH", `/api/plugins/pdm/endpoints/${ids.endpoint}/`, {
        token: keys.editor,
        body: { site: { id: ids.site }, proxmox_endpoints: [{ id: ids.pve, display: "ignored" }, pve.body.id], pbs_servers: [{ id: ids.pbs }] },
      });
      expect(patched.status, patched.text).toBe(200);
      expect(asJson(patched.body).site).toMatchObject({ id: ids.site });
      expect((asJson(patched.body).proxmox_endpoints as { id: number }[]).map((r) => r.id).sort()).toEqual([ids.pve, pve.body.id].sort());
      expect((asJson(patched.body).pbs_servers as { id: number }[]).map((r) => r.id)).toEqual([ids.pbs]);

      const remote = await post("/api/plugins/pdm/remotes/", { pdm_endpoint: { id: ids.endpoint }, name: uniq("wb-r"), remote_type: "pbs", linked_pbs_server: { id: ids.pbs } });
      expect(remote.status, JSON.stringify(remote.body)).toBe(201);
      expect(remote.body).toMatchObject({ pdm_endpoint: { id: ids.endpoint }, linked_pbs_server: { id: ids.pbs }, link_source: "manual" });
    });

    it("a nested object without a valid id, or naming no object, is a field error", async () => {
      const url = `/api/plugins/proxbox/endpoints/${ids.pve}/`;
      for (const site of [{ name: "by-name" }, { id: "1" }, { id: null }, {}]) {
        const res = await api("PATCH", url, { token: keys.editor, body: { site } });
        expect(res.status, JSON.stringify(site)).toBe(400);
        expect(asJson(res.body), JSON.stringify(site)).toEqual({ site: ["Expected an object id (integer)."] });
      }
      const missing = await api("PATCH", url, { token: keys.editor, body: { site: { id: 987654 } } });
      expect(Object.keys(asJson(missing.body))).toEqual(["site"]);
      const list = await api("PATCH", `/api/plugins/pdm/endpoints/${ids.endpoint}/`, { token: keys.editor, body: { pbs_servers: [{ name: "x" }] } });
      expect(Object.keys(asJson(list.body))).toEqual(["pbs_servers.0"]);
    });
  });

  describe("read-only fields", () => {
    it("plugin settings: GET → PUT and PATCH the same body back changes nothing", async () => {
      const url = "/api/plugins/pdm/settings/";
      expect((await api("PATCH", url, { token: keys.admin, body: { proxbox_api_key: "k3y", sync_schedule: "5 * * * *" } })).status).toBe(200);
      const got = asJson((await api("GET", url, { token: keys.admin })).body);
      expect(got).toMatchObject({ id: 1, url: `http://testserver${url}`, has_proxbox_api_key: true });
      for (const m of ["PUT", "PATCH"]) {
        const res = await api(m, url, { token: keys.admin, body: got });
        expect(res.status, `${m} ${res.text}`).toBe(200);
      }
      const after = asJson((await api("GET", url, { token: keys.admin })).body);
      expect({ ...after, last_updated: null }).toEqual({ ...got, last_updated: null });
      const unknown = await api("PATCH", url, { token: keys.admin, body: { ...got, branching: true } });
      expect(asJson(unknown.body)).toEqual({ branching: ["Unknown field."] });
    });

    it("tokens: a token's read representation can be posted back (a new token, the same settings)", async () => {
      const first = await post("/api/users/tokens/", { description: "copy me", write_enabled: false }, keys.editor);
      const got = asJson((await api("GET", `/api/users/tokens/${first.body.id}/`, { token: keys.editor })).body);
      const copy = await post("/api/users/tokens/", got, keys.editor);
      expect(copy.status, JSON.stringify(copy.body)).toBe(201);
      expect(copy.body.id).not.toBe(first.body.id);
      expect(copy.body).toMatchObject({ description: "copy me", write_enabled: false, user: { id: (got.user as { id: number }).id } });
      expect((await post("/api/users/tokens/", { ...got, key: "x" }, keys.editor)).body).toEqual({ key: ["Unknown field."] });
    });
  });

  describe("sync runs", () => {
    it("a JSON null body is a 400; an empty body or {} asks for every enabled endpoint", async () => {
      for (const raw of ["null", "[]", '"x"', "1"]) {
        const res = await api("POST", "/api/plugins/pdm/sync-runs/", { token: keys.editor, body: raw });
        expect(res.status, raw).toBe(400);
        expect(asJson(res.body), raw).toEqual({ non_field_errors: ["Invalid data. Expected a JSON object."] });
      }
      for (const raw of ["", "  ", "{}"]) {
        const res = await api("POST", "/api/plugins/pdm/sync-runs/", { token: keys.editor, body: raw });
        expect(res.status, `${JSON.stringify(raw)}: ${res.text}`).toBe(202);
      }
      const bad = await api("POST", "/api/plugins/pdm/sync-runs/", { token: keys.editor, body: { endpoints: "all" } });
      expect(asJson(bad.body)).toEqual({ endpoints: [expect.any(String)] });
    });
  });
});
