import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isoString } from "./iso-date";

describe("isoString", () => {
  it("writes what toISOString writes, for any representable date", () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        const d = new Date(ms);
        expect(isoString(d)).toBe(d.toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it("handles the edges of four-digit years, leap days and epoch boundaries", () => {
    for (const s of ["0000-01-01T00:00:00.000Z", "0000-02-29T12:00:00.000Z", "0999-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z", "1970-01-01T00:00:00.000Z", "2000-02-29T00:00:00.001Z", "2100-03-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"]) {
      expect(isoString(new Date(s))).toBe(s);
    }
    expect(isoString(new Date(Date.UTC(10000, 0, 1)))).toBe("+010000-01-01T00:00:00.000Z");
    expect(isoString(new Date(Date.UTC(-1, 0, 1)))).toBe("-000001-01-01T00:00:00.000Z");
  });

  it("is null for an invalid date, as JSON.stringify writes one", () => {
    expect(isoString(new Date("not a date"))).toBeNull();
  });

  it("repeats and interleaves correctly (it remembers its last answer)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 0, max: 4e12 }), fc.constant(Number.NaN)), { maxLength: 30 }), (values) => {
        for (const ms of values) {
          const d = new Date(ms);
          expect(isoString(d)).toBe(Number.isNaN(ms) ? null : d.toISOString());
        }
      }),
    );
  });
});
