import { beforeAll, expect, it } from "vitest";
import { setupApi } from "@/tests/api";
import { describeEachDb, uniq } from "@/tests/db";
import { api, asJson, listOf } from "./client";

// Issue 17, item 9: /api/users/users/ is admin-only, so the change log must not show everyone
// else who exists, their roles and their tokens either.

describeEachDb("change log visibility of users and tokens", (get) => {
  let keys: Awaited<ReturnType<typeof setupApi>>;
  let userChangeId: number;
  let tokenChangeId: number;
  let siteChangeId: number;

  beforeAll(async () => {
    keys = await setupApi(get());
    const user = asJson((await api("POST", "/api/users/users/", { token: keys.admin, body: { username: uniq("visible"), password: "password1234", role: "editor" } })).body);
    await api("POST", "/api/users/tokens/", { token: keys.admin, body: { user: user.id, description: "for the change log", write_enabled: true } });
    const site = asJson((await api("POST", "/api/dcim/sites/", { token: keys.admin, body: { name: uniq("cl"), slug: uniq("cl") } })).body);
    const all = listOf((await api("GET", "/api/core/object-changes/?limit=1000&ordering=-id", { token: keys.admin })).body).results;
    userChangeId = all.find((c) => c.changed_object_type === "users.user" && c.changed_object_id === user.id)!.id as number;
    tokenChangeId = all.find((c) => c.changed_object_type === "users.token")!.id as number;
    siteChangeId = all.find((c) => c.changed_object_type === "dcim.site" && c.changed_object_id === site.id)!.id as number;
  });

  it("viewers and editors see no users.* entries in the list, by filter, or by id", async () => {
    for (const key of [keys.viewer, keys.editor, keys.readOnly]) {
      const list = listOf((await api("GET", "/api/core/object-changes/?limit=1000", { token: key })).body);
      expect(list.results.some((c) => String(c.changed_object_type).startsWith("users."))).toBe(false);
      expect(list.results.some((c) => c.id === siteChangeId)).toBe(true);
      for (const type of ["users.user", "users.token"]) {
        const filtered = listOf((await api("GET", `/api/core/object-changes/?changed_object_type=${type}`, { token: key })).body);
        expect(filtered.count).toBe(0);
      }
      expect(listOf((await api("GET", "/api/core/object-changes/?q=for+the", { token: key })).body).results.every((c) => !String(c.changed_object_type).startsWith("users."))).toBe(true);
      expect((await api("GET", `/api/core/object-changes/${userChangeId}/`, { token: key })).status).toBe(404);
      expect((await api("GET", `/api/core/object-changes/${tokenChangeId}/`, { token: key })).status).toBe(404);
      expect((await api("GET", `/api/core/object-changes/${siteChangeId}/`, { token: key })).status).toBe(200);
    }
  });

  it("admins see them", async () => {
    expect((await api("GET", `/api/core/object-changes/${userChangeId}/`, { token: keys.admin })).status).toBe(200);
    expect(listOf((await api("GET", "/api/core/object-changes/?changed_object_type=users.token", { token: keys.admin })).body).count).toBeGreaterThan(0);
  });
});
