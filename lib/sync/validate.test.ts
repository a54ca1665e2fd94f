import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pdmRemoteSyncedSchema } from "@/lib/services/pdm-remotes";
import { invalidReason, skippedRemotesNote } from "./validate";
import type { FetchedRemote } from "./reconcile";

// The sync's check of what PDM reports agrees with the API's schema exactly: its zod-free fast
// path only ever vouches for remotes the schema accepts.

const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("pve-a", "a.b_c-d", "_x", "-x", "x y", "é", "a".repeat(101), "pve1.example.net", "10.0.0.1", "::1", "[::1]", "host.", ""));
const url = fc.oneof(fc.constant(null), fc.constantFrom("https://a.example/", "http://x", "HTTPS://X:8006/p?q", "javascript:alert(1)", "data:text/html,x", " https://a/", "https://", "https://a b/", "ftp://x", "https://" + "a".repeat(500)), fc.webUrl());
const node = fc.record({
  host: text,
  port: fc.oneof(fc.constant(null), fc.integer({ min: -1, max: 70000 })),
  fingerprint: fc.oneof(fc.constant(null), fc.constantFrom("ab:".repeat(31) + "ab", "AB:".repeat(31) + "AB", "ab".repeat(32), "zz", "")),
});
const remote = fc.record({
  name: text,
  type: fc.constantFrom("pve", "pbs") as fc.Arbitrary<"pve" | "pbs">,
  nodes: fc.array(node, { maxLength: 3 }),
  authid: fc.oneof(fc.string({ maxLength: 10 }), fc.constant("x".repeat(256))),
  webUrl: url,
  version: fc.oneof(fc.constant(null), fc.string({ maxLength: 8 }), fc.constant("9".repeat(65))),
  error: fc.constant(null),
});

describe("sync validation of remotes", () => {
  it("accepts exactly what the API's schema accepts", () => {
    fc.assert(
      fc.property(remote, (r: FetchedRemote) => {
        const schemaOk = pdmRemoteSyncedSchema.safeParse({ name: r.name, remote_type: r.type, version: r.version, nodes: r.nodes, web_url: r.webUrl, authid: r.authid }).success;
        expect(invalidReason(r) === null).toBe(schemaOk);
      }),
      { numRuns: 2000 },
    );
  });

  it("names the skipped remotes and why, at most five of them", () => {
    expect(skippedRemotesNote([])).toBeNull();
    const note = skippedRemotesNote(Array.from({ length: 7 }, (_, i) => ({ name: `r${i}`, reason: "name: bad" })))!;
    expect(note).toMatch(/^7 remotes skipped/);
    expect(note).toContain('"r4" (name: bad)');
    expect(note).not.toContain('"r5"');
    expect(note).toContain("and 2 more");
  });
});
