import { beforeAll, expect, it } from "vitest";
import { setupApi } from "@/tests/api";
import { describeEachDb } from "@/tests/db";
import { MAX_FILTER_TERMS, MAX_FILTER_VALUES, MAX_PATTERN_TERMS } from "@/lib/services/list";
import { api, asJson } from "./client";

// Issue 17, item 5: one read-only request must not freeze the app. The values of one filter, all
// filter values of a request, and the costly substring-style ones are capped (400 beyond).

const repeat = (key: string, n: number, value = (i: number) => `v${i}`) => Array.from({ length: n }, (_, i) => `${key}=${encodeURIComponent(value(i))}`).join("&");

describeEachDb("list request limits", (get) => {
  let keys: Awaited<ReturnType<typeof setupApi>>;
  beforeAll(async () => {
    keys = await setupApi(get());
  });

  it("caps the values of one filter", async () => {
    expect((await api("GET", `/api/dcim/sites/?${repeat("id", MAX_FILTER_VALUES, (i) => String(i + 1))}`, { token: keys.viewer })).status).toBe(200);
    const res = await api("GET", `/api/dcim/sites/?${repeat("id", MAX_FILTER_VALUES + 1, (i) => String(i + 1))}`, { token: keys.viewer });
    expect(res.status).toBe(400);
    expect(asJson(res.body)).toEqual({ id: [`Too many values: at most ${MAX_FILTER_VALUES} for one filter.`] });
  });

  it("caps the filter values of a request, and the substring-style ones harder (the issue's 900 name__ic)", async () => {
    const many = `${repeat("id", 100, (i) => String(i + 1))}&${repeat("slug", 100)}&name=x`;
    const res = await api("GET", `/api/dcim/sites/?${many}`, { token: keys.viewer });
    expect(res.status).toBe(400);
    expect(asJson(res.body).non_field_errors).toEqual([`Too many filters: at most ${MAX_FILTER_TERMS} filter values in one request.`]);
    for (const path of ["/api/plugins/pdm/remotes/", "/api/core/object-changes/", "/api/users/tokens/", "/api/plugins/pdm/sync-runs/"]) {
      const ic = await api("GET", `${path}?${repeat("name__ic", 900)}`, { token: keys.viewer });
      expect(ic.status, path).toBe(400);
    }
    expect((await api("GET", `/api/dcim/sites/?${repeat("name__ic", MAX_PATTERN_TERMS)}`, { token: keys.viewer })).status).toBe(200);
    const spread = await api("GET", `/api/dcim/sites/?${repeat("name__ic", MAX_PATTERN_TERMS - 5)}&${repeat("slug__isw", 5)}&q=x`, { token: keys.viewer });
    expect(spread.status).toBe(400);
    expect(String(asJson(spread.body).non_field_errors)).toMatch(/Too many text searches/);
  });
});

it("a statement PostgreSQL cancelled for its timeout is a 503 that says so, not a 500", async () => {
  const { errorResponse } = await import("@/lib/api/responses");
  const err = Object.assign(new Error("Failed query: select …"), { cause: Object.assign(new Error("canceling statement due to statement timeout"), { code: "57014" }) });
  const res = errorResponse(err, "req-1");
  expect(res.status).toBe(503);
  expect(((await res.json()) as { detail: string }).detail).toMatch(/did not answer in time/);
});
