import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "./redirect";

describe("safeCallbackPath", () => {
  it("keeps this app's paths, with query and fragment", () => {
    expect(safeCallbackPath("/")).toBe("/");
    expect(safeCallbackPath("/users/tokens/")).toBe("/users/tokens/");
    expect(safeCallbackPath("/dcim/sites/?q=x&sort=-name#top")).toBe("/dcim/sites/?q=x&sort=-name#top");
    expect(safeCallbackPath(["/a/", "/b/"])).toBe("/a/");
  });

  it("refuses everything a browser would take off-site, and control characters", () => {
    for (const bad of [
      "\\evil.example/",
      "/\\evil.example/",
      "/\\\\evil.example/",
      "\\/evil.example/",
      "/\t/evil.example/",
      "/\n/evil.example/",
      "//evil.example/",
      "///evil.example/",
      "https://evil.example/",
      "javascript:alert(1)",
      "evil.example",
      "/\r\nSet-Cookie: x=1",
      "/ok\u0000",
      "",
      undefined,
      null,
      42,
      "/" + "a".repeat(3000),
    ]) {
      expect(safeCallbackPath(bad), JSON.stringify(bad)).toBe("/");
    }
    // Encoded slashes stay part of the path: harmless.
    expect(safeCallbackPath("/%2F%2Fevil.example/")).toBe("/%2F%2Fevil.example/");
  });
});
