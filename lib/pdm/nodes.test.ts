import { describe, expect, it } from "vitest";
import { parseNodeString, splitPropertyString } from "./nodes";

const FP = "33:00:a6:60:8c:72:d8:6b:28:56:17:4f:8c:f8:0a:29:49:6c:f4:08:6a:e2:c2:dc:18:d1:80:c0:65:5d:eb:fa";

describe("node property strings (pdm-api.md §4.2)", () => {
  it.each([
    ["10.20.0.11:8006", { host: "10.20.0.11", port: 8006, fingerprint: null }],
    ["pve3.example.net", { host: "pve3.example.net", port: null, fingerprint: null }],
    [`10.20.0.12,fingerprint=${FP}`, { host: "10.20.0.12", port: null, fingerprint: FP }],
    [`pve1.example.net:8006,fingerprint=${FP.toUpperCase()}`, { host: "pve1.example.net", port: 8006, fingerprint: FP }],
    [`hostname=pve1.example.net:8007,fingerprint=${FP}`, { host: "pve1.example.net", port: 8007, fingerprint: FP }],
    [`fingerprint=${FP},hostname=pbs1`, { host: "pbs1", port: null, fingerprint: FP }],
    ["[2001:db8::10]:8006", { host: "2001:db8::10", port: 8006, fingerprint: null }],
    ["[2001:db8::10]", { host: "2001:db8::10", port: null, fingerprint: null }],
    ["2001:db8::10", { host: "2001:db8::10", port: null, fingerprint: null }],
    [`"pve1.example.net:8006",fingerprint="${FP}"`, { host: "pve1.example.net", port: 8006, fingerprint: FP }],
    [`hostname="weird\\"host"`, { host: 'weird"host', port: null, fingerprint: null }],
    [`pve1,fingerprint=${FP.replace(/:/g, "")}`, { host: "pve1", port: null, fingerprint: FP }],
  ])("%s", (input, expected) => {
    expect(parseNodeString(input)).toEqual(expected);
  });

  it("splits at top-level commas only", () => {
    expect(splitPropertyString('a,b="c,d",e')).toEqual(["a", "b=c,d", "e"]);
  });
});
