import { beforeAll, beforeEach, expect, it, vi } from "vitest";
import type { ServiceContext } from "@/lib/services/context";
import { ctxFor, describeEachDb, EDITOR, uniq } from "@/tests/db";

// Issue 17, item 14: server actions are endpoints anyone with a session can call with any
// arguments. Malformed ones are answered as field errors (never an unhandled error in the log),
// bulk sizes are capped, and what is logged stays short.

let currentCtx: ServiceContext | null = null;
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("@/lib/auth/session", () => ({
  actionContext: () => {
    if (!currentCtx) throw new Error("no test context");
    return Promise.resolve(currentCtx);
  },
}));

const { bulkDeleteAction, deleteObjectAction, saveObjectAction } = await import("@/actions/objects");
const { resetRemoteLinkAction, updateRemoteAction } = await import("@/actions/remotes");
const { pinFingerprintAction, syncNowAction, testConnectionAction } = await import("@/actions/endpoints");
const { updateSettingsAction } = await import("@/actions/settings");
const { createTokenAction, deleteTokenAction } = await import("@/actions/tokens");
const { discardBranchAction, mergeBranchAction } = await import("@/actions/branches");
const { log, MAX_LOG_LINE } = await import("@/lib/log");
const { siteService } = await import("@/lib/services/organization");

const logged: string[] = [];

describeEachDb("server actions", (get) => {
  beforeAll(() => {
    currentCtx = ctxFor(get(), EDITOR);
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void logged.push(String(line)));
    process.env.LOG_LEVEL = "warn";
  });
  beforeEach(() => {
    logged.length = 0;
  });

  type Loose = (...args: unknown[]) => Promise<{ ok: boolean; error?: string; fields?: Record<string, string[]> }>;
  const call = (fn: unknown, ...args: unknown[]) => (fn as Loose)(...args);

  it("answer malformed arguments with a field error, and log nothing", async () => {
    const attempts: [unknown, unknown[]][] = [
      [updateRemoteAction, [1, null]],
      [updateRemoteAction, ["1", { description: "x" }]],
      [updateRemoteAction, [1, { description: "x", link: { field: "__proto__", value: 1 } }]],
      [resetRemoteLinkAction, [{}]],
      [saveObjectAction, ["no-such-kind", null, {}]],
      [saveObjectAction, ["site", -4, {}]],
      [saveObjectAction, ["site", null, null]],
      [deleteObjectAction, ["site", "1; drop table sites"]],
      [bulkDeleteAction, ["site", "all"]],
      [bulkDeleteAction, ["site", [1.5]]],
      [testConnectionAction, [null]],
      [pinFingerprintAction, [1, { toString: 1 }, "s"]],
      [syncNowAction, [[0]]],
      [updateSettingsAction, [[]]],
      [createTokenAction, ["write"]],
      [deleteTokenAction, [Number.MAX_SAFE_INTEGER * 2]],
      [mergeBranchAction, [{ name: "x" }, "yes"]],
      [discardBranchAction, [null]],
    ];
    for (const [fn, args] of attempts) {
      const res = await call(fn, ...args);
      expect(res.ok, JSON.stringify(args)).toBe(false);
      expect(res.error, JSON.stringify(args)).toBe("Please correct the errors below.");
      expect(Object.keys(res.fields ?? {}).length, JSON.stringify(args)).toBeGreaterThan(0);
    }
    expect(logged).toEqual([]);
  });

  it("cap bulk deletes: 100,000 ids are refused up front; within the cap it works", async () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => i + 1);
    const res = await call(bulkDeleteAction, "site", ids);
    expect(res).toMatchObject({ ok: false, fields: { ids: ["Select at most 1000 objects at once."] } });
    expect(logged).toEqual([]);
    const made = await Promise.all(["a", "b"].map((n) => siteService.create(ctxFor(get()), { name: uniq(`bulk-${n}`), slug: uniq(`bulk-${n}`) })));
    expect(await call(bulkDeleteAction, "site", made.map((s) => s.id))).toEqual({ ok: true, data: { deleted: 2 } });
    // The service refuses too, whoever calls it.
    await expect(siteService.bulkDelete(ctxFor(get()), ids)).rejects.toThrow(/at most 1000/);
  });

  it("valid arguments still work", async () => {
    const res = await call(saveObjectAction, "site", null, { name: uniq("act"), slug: uniq("act") });
    expect(res.ok).toBe(true);
  });
});

it("the log keeps every value and line short", () => {
  logged.length = 0;
  process.env.LOG_LEVEL = "warn";
  const spy = vi.spyOn(console, "error").mockImplementation((line: unknown) => void logged.push(String(line)));
  try {
    log.error("x".repeat(50_000), { error: "y".repeat(1_400_000), list: Array.from({ length: 100_000 }, (_, i) => i) });
  } finally {
    spy.mockRestore();
  }
  expect(logged).toHaveLength(1);
  expect(logged[0]!.length).toBeLessThan(MAX_LOG_LINE + 200);
  expect(logged[0]).toContain("more characters]");
});
