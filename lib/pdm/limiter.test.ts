import { describe, expect, it } from "vitest";
import { createRequestLimiter } from "./limiter";

describe("request limiter", () => {
  it("never exceeds its limit, and serves waiting requests by priority, FIFO within one", async () => {
    const limiter = createRequestLimiter(2);
    let inFlight = 0;
    let peak = 0;
    const order: string[] = [];
    const gates: (() => void)[] = [];
    const task = (name: string, priority: number) =>
      limiter.withPriority(priority).run(async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        order.push(name);
        await new Promise<void>((r) => gates.push(r));
        inFlight--;
      });
    const all = [task("a0", 5), task("b0", 5), task("late-1", 1), task("c2", 2), task("early-0", 0), task("late-1b", 1)];
    // a0 and b0 hold the two slots; the rest wait and are served lowest number first.
    while (order.length < 6) {
      await new Promise((r) => setTimeout(r, 1));
      gates.shift()?.();
    }
    gates.forEach((g) => g());
    await Promise.all(all);
    expect(peak).toBe(2);
    expect(order).toEqual(["a0", "b0", "early-0", "late-1", "late-1b", "c2"]);
    expect(limiter.active).toBe(0);
  });

  it("shares one set of slots between its priority views", async () => {
    const limiter = createRequestLimiter(1);
    const seen: number[] = [];
    await Promise.all([0, 1, 2].map((p) => limiter.withPriority(p).run(async () => void seen.push(limiter.active))));
    expect(seen).toEqual([1, 1, 1]);
  });
});
