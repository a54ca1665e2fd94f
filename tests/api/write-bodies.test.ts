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
});
