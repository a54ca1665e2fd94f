import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as status from "@/app/api/status/route";
import { provideDatabase } from "@/db";
import { startServer } from "@/lib/server/startup";
import pkg from "@/package.json";
import { callRoute } from "./api";
import { describeEachDb } from "./db";

// Issue #2 items 6 and 7: what a start prints, and GET /api/status/.

const g = globalThis as { __netboxPdmStarted?: Promise<void> };

/** One more `npm start` in this process: forget that the last one ran. */
async function startAgain(): Promise<string> {
  g.__netboxPdmStarted = undefined;
  const out: string[] = [];
  const push = (...a: unknown[]) => void out.push(a.map(String).join(" "));
  const spies = [vi.spyOn(console, "log").mockImplementation(push), vi.spyOn(console, "error").mockImplementation(push)];
  try {
    await startServer();
  } finally {
    for (const s of spies) s.mockRestore();
  }
  return out.join("\n");
}

describeEachDb("start and status", (get) => {
  const saved = { ...process.env };
  beforeAll(() => {
    provideDatabase(get().handle);
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it("GET /api/status/ needs no auth: version, database kind, migration state, workflow engine", async () => {
    for (const k of ["INNGEST_DEV", "INNGEST_BASE_URL", "INNGEST_EVENT_KEY"]) delete process.env[k];
    const res = await callRoute(status.GET as never, "/api/status/");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      app: { name: "netbox-pdm", version: pkg.version },
      database: { kind: get().kind, ok: true, migrations: { pending: 0 } },
      workflow_engine: { mode: "embedded" },
    });
    const m = (res.body as { database: { migrations: { applied: number; available: number; latest: string } } }).database.migrations;
    expect(m.applied).toBe(m.available);
    expect(m.latest).toEqual(expect.any(String));
    process.env.INNGEST_DEV = "1";
    expect(((await callRoute(status.GET as never, "/api/status/")).body as { workflow_engine: { mode: string } }).workflow_engine.mode).toBe("inngest");
  });

  it("the first start prints a generated admin password once; later starts print none", async () => {
    for (const k of ["SUPERUSER_NAME", "SUPERUSER_PASSWORD", "SUPERUSER_API_TOKEN"]) delete process.env[k];
    process.env.LOG_LEVEL = "debug";
    const first = await startAgain();
    const match = /password: (\S+)/.exec(first);
    expect(match, first).not.toBeNull();
    expect(first.split(match![1]!).length - 1).toBe(1);
    const second = await startAgain();
    expect(second).not.toContain(match![1]!);
    expect(second).not.toMatch(/password:/);
  });

  it("a start with SUPERUSER_* set never prints their values", async () => {
    process.env.SUPERUSER_NAME = "boot-admin";
    process.env.SUPERUSER_PASSWORD = "boot-password-never-printed";
    process.env.SUPERUSER_API_TOKEN = "BootToken".padEnd(40, "0");
    process.env.LOG_LEVEL = "debug";
    const out = (await startAgain()) + (await startAgain());
    expect(out).toContain('Created superuser "boot-admin"');
    expect(out).not.toContain("boot-password-never-printed");
    expect(out).not.toContain(process.env.SUPERUSER_API_TOKEN);
  });
});

describe("shape", () => {
  it("exports GET", () => {
    expect(typeof status.GET).toBe("function");
  });
});
