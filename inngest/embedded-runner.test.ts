import { eq } from "drizzle-orm";
import { beforeAll, expect, it } from "vitest";
import { provideDatabase } from "@/db";
import { syncRunSteps, syncRuns } from "@/db/schema";
import { describeEachDb } from "@/tests/db";
import { EmbeddedRunner } from "./embedded-runner";

describeEachDb("embedded runner step tools", (get) => {
  beforeAll(() => provideDatabase(get().handle));

  async function newRun(): Promise<number> {
    const [row] = await get().handle.db.insert(syncRuns).values({ trigger: "api", status: "running" }).returning({ id: syncRuns.id });
    return row!.id;
  }

  it("records a step, memoizes its JSON output, and never runs a finished step again", async () => {
    const runId = await newRun();
    const tools = new EmbeddedRunner({ backoffMs: 1 }).stepTools(get().handle.db, runId);
    let calls = 0;
    const first = await tools.run("a", async () => {
      calls++;
      return { n: 1, at: new Date(0) };
    });
    const second = await tools.run("a", async () => {
      calls++;
      return { n: 2, at: new Date(0) };
    });
    expect(calls).toBe(1);
    expect(first).toEqual({ n: 1, at: "1970-01-01T00:00:00.000Z" });
    expect(second).toEqual(first);
    const [rec] = await get().handle.db.select().from(syncRunSteps).where(eq(syncRunSteps.syncRunId, runId));
    expect(rec).toMatchObject({ stepId: "a", status: "succeeded", attempts: 1 });
  });

  it("retries a failing step, then gives up with the step's error", async () => {
    const runId = await newRun();
    const tools = new EmbeddedRunner({ backoffMs: 1 }).stepTools(get().handle.db, runId);
    let calls = 0;
    const flaky = await tools.run("flaky", async () => {
      calls++;
      if (calls < 2) throw new Error("transient");
      return "ok";
    });
    expect(flaky).toBe("ok");
    await expect(
      tools.run("broken", async () => {
        throw new Error("always broken");
      }),
    ).rejects.toThrow(/step "broken" failed after 3 attempts: always broken/);
    const rows = await get().handle.db.select().from(syncRunSteps).where(eq(syncRunSteps.syncRunId, runId));
    expect(rows.find((r) => r.stepId === "flaky")).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(rows.find((r) => r.stepId === "broken")).toMatchObject({ status: "failed", attempts: 3, error: "always broken" });
  });
});

describeEachDb("embedded runner recovery", (get) => {
  beforeAll(() => provideDatabase(get().handle));

  it("fails a run that keeps being interrupted instead of resuming it forever (never left running)", async () => {
    const db = get().handle.db;
    const [run] = await db.insert(syncRuns).values({ trigger: "api", status: "running", engine: "embedded" }).returning({ id: syncRuns.id });
    // Three earlier starts already found this run interrupted and resumed it.
    await db.insert(syncRunSteps).values({ syncRunId: run!.id, stepId: "embedded:resume", status: "succeeded", attempts: 3 });
    await new EmbeddedRunner({ backoffMs: 1, scheduleIntervalMs: 0 }).execute(run!.id);
    const [after] = await db.select().from(syncRuns).where(eq(syncRuns.id, run!.id));
    expect(after).toMatchObject({ status: "failed" });
    expect(after!.error).toMatch(/interrupted 3 times/);
    expect(after!.finishedAt).not.toBeNull();
  });

  it("a run whose record is gone fails the step, not the runner", async () => {
    const runner = new EmbeddedRunner({ backoffMs: 1, scheduleIntervalMs: 0 });
    await expect(runner.execute(2_000_000_000)).resolves.toBeUndefined();
  });
});
