import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadAppKey } from "./app-key";
import { SecretBox } from "./secrets";

describe("SecretBox", () => {
  it("round-trips, uses a fresh IV each time, never contains the plaintext", () => {
    const box = new SecretBox("k".repeat(32));
    const a = box.encrypt("top-secret-value");
    const b = box.encrypt("top-secret-value");
    expect(a).not.toBe(b);
    expect(a).not.toContain("top-secret-value");
    expect(box.decrypt(a, "x")).toBe("top-secret-value");
  });

  it("a tampered value or another key gives a clear error naming the object", () => {
    const box = new SecretBox("k".repeat(32));
    const blob = box.encrypt("top-secret-value");
    const tampered = blob.slice(0, -2) + (blob.endsWith("A") ? "BB" : "AA");
    expect(() => box.decrypt(tampered, 'the token secret of PDM endpoint "pdm1"')).toThrow(/PDM endpoint "pdm1".*app key/);
    expect(() => new SecretBox("other-key-entirely").decrypt(blob, "the proxbox API key")).toThrow(/proxbox API key/);
    expect(() => box.decrypt("garbage", "x")).toThrow(/Cannot decrypt/);
  });
});

describe("app key", () => {
  it("without SECRET_KEY, is generated once into DATA_DIR with mode 0600", () => {
    const saved = process.env.SECRET_KEY;
    delete process.env.SECRET_KEY;
    try {
      const first = loadAppKey();
      const second = loadAppKey();
      expect(first).toBe(second);
      expect(first.length).toBeGreaterThanOrEqual(32);
      const file = path.join(process.env.DATA_DIR!, "secret.key");
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      process.env.SECRET_KEY = saved;
    }
  });
});
