import { describe, expect, it } from "vitest";
import { sleep, waitUntil } from "./clock";

describe("simulator clock", () => {
  it("releases every waiter, never before its deadline, with deadlines close together and apart", async () => {
    // Spacings around the clock's hand-over lead and awake window (fractions of a millisecond)
    // and past them, in no particular order.
    const t0 = performance.now() + 2;
    const deadlines = Array.from({ length: 300 }, (_, i) => t0 + ((i * 7919) % 300) * 0.037);
    const early: number[] = [];
    await Promise.all(
      deadlines.map(async (d) => {
        await waitUntil(d);
        const now = performance.now();
        if (now < d) early.push(d - now);
      }),
    );
    expect(early).toEqual([]);
  });

  it("sleeps at least as long as asked, one after another", async () => {
    for (const ms of [0.1, 0.25, 1, 3]) {
      const t = performance.now();
      await sleep(ms);
      expect(performance.now() - t).toBeGreaterThanOrEqual(ms);
    }
  });
});
