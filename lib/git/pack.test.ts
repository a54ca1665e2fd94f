import crypto from "node:crypto";
import zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { storedZlib } from "./pack";

describe("storedZlib", () => {
  it("is a zlib stream zlib inflates back to the input, at every block boundary", () => {
    for (const size of [0, 1, 100, 5552, 5553, 65535, 65536, 65537, 200_000]) {
      const input = crypto.randomBytes(size);
      const out = storedZlib(input);
      expect(zlib.inflateSync(out).equals(input)).toBe(true);
      // Checksum included: a flipped payload byte is refused.
      if (size) {
        const bad = Buffer.from(out);
        bad[7] = bad[7]! ^ 0xff;
        expect(() => zlib.inflateSync(bad)).toThrow();
      }
    }
  });

  it("has the adler32 zlib computes for long runs of 0xff (the sums' worst case)", () => {
    const input = Buffer.alloc(300_000, 0xff);
    const out = storedZlib(input);
    const ref = zlib.deflateSync(input, { level: 0 });
    expect(out.subarray(-4).equals(ref.subarray(-4))).toBe(true);
  });
});
