import { beforeAll, expect, it } from "vitest";
import { createToken } from "@/lib/services/tokens";
import { userService } from "@/lib/services/users";
import { setupApi } from "@/tests/api";
import { describeEachDb, systemCtx, uniq } from "@/tests/db";
import { api, asJson } from "./client";

// Issue 17, item 15: an admin deleting their own account is refused in words that say so.

describeEachDb("deleting one's own account", (get) => {
  let keys: Awaited<ReturnType<typeof setupApi>>;
  beforeAll(async () => {
    keys = await setupApi(get());
  });

  it("is refused with a message that names the rule; another admin may delete the account", async () => {
    const me = await userService.create(systemCtx(get()), { username: uniq("self"), password: "password1234", role: "admin" });
    const { key } = await createToken(systemCtx(get()), { user: me.id });
    const res = await api("DELETE", `/api/users/users/${me.id}/`, { token: key });
    expect(res.status).toBe(403);
    expect(String(asJson(res.body).detail)).toMatch(/^You cannot delete your own account \(.+\) while signed in with it or using its token/);
    expect((await api("GET", `/api/users/users/${me.id}/`, { token: keys.admin })).status).toBe(200);
    // Within a bulk delete too: all or nothing.
    const other = await userService.create(systemCtx(get()), { username: uniq("other"), password: "password1234", role: "viewer" });
    const ctx = { ...systemCtx(get()), actor: { kind: "token" as const, userId: me.id, username: me.username, role: "admin" as const, writeEnabled: true } };
    await expect(userService.bulkDelete(ctx, [other.id, me.id])).rejects.toThrow(/cannot delete your own account/);
    expect((await api("GET", `/api/users/users/${other.id}/`, { token: keys.admin })).status).toBe(200);
    expect((await api("DELETE", `/api/users/users/${me.id}/`, { token: keys.admin })).status).toBe(204);
  });
});
