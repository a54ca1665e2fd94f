import { sql } from "drizzle-orm";
import { beforeAll, expect, it, vi } from "vitest";
import { openDatabase } from "@/db/client";
import { siteService } from "@/lib/services/organization";
import { setupApi } from "@/tests/api";
import { describeEachDb, uniq } from "@/tests/db";
import { api, listOf } from "./client";

// The list response cache (lib/api/list-cache.ts) answers a repeated list request without reading
// the table again only while no transaction has committed: a change made behind the app's back
// (another process, plain SQL) shows on the very next request, not after a timeout.

describeEachDb("REST list cache", (getDb) => {
  let keys: Awaited<ReturnType<typeof setupApi>>;
  let name: string;
  beforeAll(async () => {
    keys = await setupApi(getDb());
    name = uniq("cached-site");
    const res = await api("POST", "/api/dcim/sites/", { token: keys.admin, body: { name, slug: name.toLowerCase() } });
    expect(res.status).toBe(201);
  });

  /** A change from outside this process's services: another connection on PostgreSQL, raw SQL on PGlite. */
  async function changeBehindTheAppsBack(description: string) {
    const db = getDb();
    const stmt = sql`update sites set description = ${description} where name = ${name}`;
    if (db.kind === "postgres") {
      const other = await openDatabase({ databaseUrl: db.url!, maxConnections: 1 });
      try {
        await other.db.execute(stmt);
      } finally {
        await other.close();
      }
    } else {
      await db.handle.db.execute(stmt);
    }
  }

  it("serves a repeated request from the cache and sees every commit at once", async () => {
    const spy = vi.spyOn(siteService, "list");
    try {
      const url = `/api/dcim/sites/?name=${encodeURIComponent(name)}`;
      const first = await api("GET", url, { token: keys.viewer });
      const second = await api("GET", url, { token: keys.viewer });
      expect(first.status).toBe(200);
      expect(second.text).toBe(first.text);
      expect(spy).toHaveBeenCalledTimes(1);

      await changeBehindTheAppsBack("changed elsewhere");
      const third = await api("GET", url, { token: keys.viewer });
      expect(listOf(third.body).results[0]!.description).toBe("changed elsewhere");
      expect(spy).toHaveBeenCalledTimes(2);

      // Another actor never gets the first one's entry, and other query strings are their own.
      await api("GET", url, { token: keys.admin });
      expect(spy).toHaveBeenCalledTimes(3);
      const brief = await api("GET", `${url}&brief=true`, { token: keys.viewer });
      expect(Object.keys(listOf(brief.body).results[0]!)).not.toContain("description");
      expect(spy).toHaveBeenCalledTimes(4);
    } finally {
      spy.mockRestore();
    }
  });

  it("sees writes through the API at once", async () => {
    const url = `/api/dcim/sites/?name=${encodeURIComponent(name)}`;
    const before = listOf((await api("GET", url, { token: keys.viewer })).body).results[0]!;
    const patched = await api("PATCH", `/api/dcim/sites/${before.id}/`, { token: keys.admin, body: { description: "patched via api" } });
    expect(patched.status).toBe(200);
    expect(listOf((await api("GET", url, { token: keys.viewer })).body).results[0]!.description).toBe("patched via api");
  });
});
