import { describe, expect, it } from "vitest";
import { slicer } from "./time-slice";

describe("slicer", () => {
  it("does not yield inside a slice", () => {
    const s = slicer(1000);
    for (let i = 0; i < 100; i++) expect(s()).toBeUndefined();
  });

  it("lets I/O and timers run once a slice is used up", async () => {
    const s = slicer(2);
    let ticked = false;
    setImmediate(() => (ticked = true));
    // Until three yields (a busy machine may take a while; the bound only stops a broken slicer).
    const until = performance.now() + 5000;
    let yields = 0;
    while (yields < 3 && performance.now() < until) {
      const p = s();
      if (p) {
        yields++;
        await p;
      }
    }
    expect(ticked).toBe(true);
    expect(yields).toBeGreaterThanOrEqual(3);
  });
});
