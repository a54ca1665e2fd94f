import { afterEach, beforeAll, expect, it, vi } from "vitest";
import type { ServiceContext } from "@/lib/services/context";
import { ctxFor, describeEachDb, uniq, VIEWER } from "@/tests/db";

// Issue 17, item 16: CSV exports are streamed page by page, capped in rows and in how many run at
// once, so a burst of exports cannot freeze the app; and the change log export hides users.*
// from non-admins like the list does.

let currentCtx: ServiceContext | null = null;
vi.mock("@/lib/auth/session", () => ({ sessionContext: () => Promise.resolve(currentCtx) }));

const { GET } = await import("@/app/(app)/export/[kind]/route");
const { activeExports, EXPORT_PAGE_SIZE, MAX_CONCURRENT_EXPORTS } = await import("@/lib/ui/csv-export");
const { siteService } = await import("@/lib/services/organization");
const { userService } = await import("@/lib/services/users");

const exportOf = (kind: string, query = "") => GET(new Request(`http://testserver/export/${kind}/?${query}`), { params: Promise.resolve({ kind }) });

describeEachDb("CSV export", (get) => {
  let prefix: string;
  beforeAll(async () => {
    currentCtx = ctxFor(get());
    prefix = uniq("exp");
    // More rows than one page, so the stream has to come back for more.
    for (let i = 0; i < EXPORT_PAGE_SIZE + 20; i++) await siteService.create(currentCtx, { name: `${prefix}-${String(i).padStart(4, "0")}`, slug: `${prefix}-${i}` });
  }, 300_000);
  afterEach(() => {
    delete process.env.EXPORT_MAX_ROWS;
    currentCtx = ctxFor(get());
    expect(activeExports()).toBe(0);
  });

  it("streams every row of the filtered list, page by page", async () => {
    const res = await exportOf("site", `q=${prefix}&sort=name`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    const lines = (await res.text()).trim().split("\r\n");
    expect(lines).toHaveLength(EXPORT_PAGE_SIZE + 21);
    expect(lines[1]).toContain(`${prefix}-0000`);
    expect(lines.at(-1)).toContain(`${prefix}-${String(EXPORT_PAGE_SIZE + 19).padStart(4, "0")}`);
    expect(activeExports()).toBe(0);
  });

  it("refuses an export over EXPORT_MAX_ROWS before sending anything", async () => {
    process.env.EXPORT_MAX_ROWS = "100";
    const res = await exportOf("site", `q=${prefix}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(new RegExp(`would hold ${EXPORT_PAGE_SIZE + 20} rows; the most one export may hold is 100`));
    const small = await exportOf("site", `q=${prefix}-000`);
    expect(small.status).toBe(200);
    expect((await small.text()).trim().split("\r\n")).toHaveLength(11);
  });

  it("runs only a few at once; a finished or abandoned export frees its place", async () => {
    const running = [];
    for (let i = 0; i < MAX_CONCURRENT_EXPORTS; i++) running.push(await exportOf("site", `q=${prefix}`));
    for (const r of running) expect(r.status).toBe(200);
    const refused = await exportOf("site", `q=${prefix}`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("5");
    await running[0]!.body!.cancel();
    await running[1]!.text();
    expect(activeExports()).toBe(0);
    const next = await exportOf("site", `q=${prefix}-0001`);
    expect(next.status).toBe(200);
    await next.text();
  });

  it("answers bad list parameters with 400, and hides users and tokens from non-admins in the change log", async () => {
    expect((await exportOf("site", "created__gte=not-a-date")).status).toBe(400);
    expect((await exportOf("site", Array.from({ length: 101 }, (_, i) => `id=${i + 1}`).join("&"))).status).toBe(400);
    const name = uniq("exported-user");
    await userService.create(ctxFor(get()), { username: name, password: "password1234", role: "viewer" });
    expect(await (await exportOf("change", "changed_object_type=users.user")).text()).toContain(name);
    currentCtx = ctxFor(get(), VIEWER);
    const csv = await (await exportOf("change", "")).text();
    expect(csv).not.toContain("users.user");
    expect(csv).not.toContain(name);
  });
});
