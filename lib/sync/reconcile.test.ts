import { describe, expect, it } from "vitest";
import type { PdmRemote, RemoteNode } from "@/db/schema";
import { LinkIndex, type LinkTarget } from "./linking";
import { reconcileRemotes, type FetchedRemote, type LinkContext } from "./reconcile";

const fp = (n: number) => Array.from({ length: 32 }, (_, i) => ((n * 17 + i) % 256).toString(16).padStart(2, "0")).join(":");

function ctx(pve: LinkTarget[] = [], pbs: LinkTarget[] = [], declaredPve: number[] = [], declaredPbs: number[] = []): LinkContext {
  return { pve: new LinkIndex(pve, 8006), pbs: new LinkIndex(pbs, 8007), declaredPve: new Set(declaredPve), declaredPbs: new Set(declaredPbs) };
}

let nextId = 1;
function row(name: string, over: Partial<PdmRemote> = {}): PdmRemote {
  return {
    id: nextId++,
    pdmEndpointId: 1,
    name,
    remoteType: "pve",
    version: "9.0.1",
    nodes: [{ host: `${name}.example.net`, port: 8006, fingerprint: fp(name.length) }],
    webUrl: null,
    authid: "root@pam!pdm",
    status: "ok",
    lastError: null,
    lastSeenAt: new Date(),
    linkedProxmoxEndpointId: null,
    linkedPbsServerId: null,
    linkSource: "none",
    linkCandidates: [],
    description: "",
    created: new Date(),
    lastUpdated: new Date(),
    ...over,
  };
}

function fetched(r: PdmRemote, over: Partial<FetchedRemote> = {}): FetchedRemote {
  return { name: r.name, type: r.remoteType, nodes: r.nodes, authid: r.authid, webUrl: r.webUrl, version: r.version, error: null, ...over };
}

describe("linking (SPEC §3)", () => {
  const node = (host: string, port: number | null, fingerprint: string | null = null): RemoteNode => ({ host, port, fingerprint });
  const targets: LinkTarget[] = [
    { id: 1, host: "pve1.example.net", port: 8006, fingerprint: fp(1) },
    { id: 2, host: "PVE2.example.net", port: 8006, fingerprint: null },
    { id: 3, host: "2001:db8::10", port: 8006, fingerprint: null },
    { id: 4, host: "shared.example.net", port: 8006, fingerprint: null },
    { id: 5, host: "shared.example.net", port: 8006, fingerprint: null },
    { id: 6, host: "odd-port.example.net", port: 9006, fingerprint: null },
  ];
  const idx = new LinkIndex(targets, 8006);
  it("fingerprint match wins over host match", () => {
    expect(idx.resolve([node("pve2.example.net", 8006, fp(1))], new Set())).toEqual({ kind: "linked", targetId: 1 });
  });
  it("host match is case-insensitive, IPv6 without brackets, default port when none", () => {
    expect(idx.resolve([node("pve2.EXAMPLE.net", null)], new Set())).toEqual({ kind: "linked", targetId: 2 });
    expect(idx.resolve([node("[2001:DB8::10]", 8006)], new Set())).toEqual({ kind: "linked", targetId: 3 });
  });
  it("ports must agree", () => {
    expect(idx.resolve([node("pve2.example.net", 8007)], new Set())).toEqual({ kind: "none" });
    expect(idx.resolve([node("odd-port.example.net", null)], new Set())).toEqual({ kind: "none" });
    expect(idx.resolve([node("odd-port.example.net", 9006)], new Set())).toEqual({ kind: "linked", targetId: 6 });
  });
  it("several candidates: declared ones win, else ambiguous", () => {
    expect(idx.resolve([node("shared.example.net", 8006)], new Set())).toEqual({ kind: "ambiguous", candidates: [4, 5] });
    expect(idx.resolve([node("shared.example.net", 8006)], new Set([5]))).toEqual({ kind: "linked", targetId: 5 });
    expect(idx.resolve([node("shared.example.net", 8006)], new Set([4, 5]))).toEqual({ kind: "ambiguous", candidates: [4, 5] });
  });
});

describe("reconcile (SPEC §4 step 4)", () => {
  it("creates, updates, deletes, leaves unchanged", async () => {
    const keep = row("keep");
    const bump = row("bump");
    const gone = row("gone", { nodes: [{ host: "gone", port: null, fingerprint: null }] });
    const plan = await reconcileRemotes(
      [keep, bump, gone],
      [fetched(keep), fetched(bump, { version: "9.0.2" }), { name: "new", type: "pbs", nodes: [], authid: "a", webUrl: null, version: "4.0", error: null }],
      ctx(),
    );
    expect(plan.unchanged.map((u) => u.id)).toEqual([keep.id]);
    expect(plan.updates).toHaveLength(1);
    expect(plan.updates[0]).toMatchObject({ id: bump.id, changes: { version: "9.0.2" }, renamedFrom: null });
    expect(plan.creates.map((c) => c.name)).toEqual(["new"]);
    expect(plan.deletes.map((d) => d.id)).toEqual([gone.id]);
  });

  it("a remote gone while another with the same node fingerprints appears is a rename (same id)", async () => {
    const old = row("pve-old");
    const plan = await reconcileRemotes([old], [{ ...fetched(old), name: "pve-new" }], ctx());
    expect(plan.creates).toEqual([]);
    expect(plan.deletes).toEqual([]);
    expect(plan.updates).toEqual([expect.objectContaining({ id: old.id, renamedFrom: "pve-old", changes: { name: "pve-new" } })]);
  });

  it("no rename without fingerprints, or when ambiguous", async () => {
    const bare = row("bare", { nodes: [{ host: "h", port: null, fingerprint: null }] });
    const p1 = await reconcileRemotes([bare], [{ ...fetched(bare), name: "bare2" }], ctx());
    expect(p1.creates).toHaveLength(1);
    expect(p1.deletes).toHaveLength(1);
    const a = row("twin-a", { nodes: [{ host: "x", port: null, fingerprint: fp(99) }] });
    const b = row("twin-b", { nodes: [{ host: "y", port: null, fingerprint: fp(99) }] });
    const p2 = await reconcileRemotes([a, b], [{ ...fetched(a), name: "twin-c" }], ctx());
    expect(p2.creates).toHaveLength(1);
    expect(p2.deletes).toHaveLength(2);
  });

  it("an unreachable remote keeps its version and records the error; it is not deleted", async () => {
    const r = row("flaky", { version: "8.4.1" });
    const plan = await reconcileRemotes([r], [fetched(r, { version: null, error: "connection failed: timed out" })], ctx());
    expect(plan.deletes).toEqual([]);
    expect(plan.updates[0]!.changes).toEqual({ status: "unreachable", lastError: "connection failed: timed out" });
  });

  it("links automatically, never touches manual links, records ambiguity", async () => {
    const pveTargets: LinkTarget[] = [
      { id: 10, host: "a.example.net", port: 8006, fingerprint: null },
      { id: 11, host: "b.example.net", port: 8006, fingerprint: null },
      { id: 12, host: "b.example.net", port: 8006, fingerprint: null },
    ];
    const auto = row("auto", { nodes: [{ host: "a.example.net", port: 8006, fingerprint: null }] });
    const manual = row("manual", { nodes: [{ host: "a.example.net", port: 8006, fingerprint: null }], linkSource: "manual", linkedProxmoxEndpointId: 12 });
    const amb = row("amb", { nodes: [{ host: "b.example.net", port: null, fingerprint: null }] });
    const plan = await reconcileRemotes([auto, manual, amb], [fetched(auto), fetched(manual), fetched(amb)], ctx(pveTargets));
    expect(plan.updates.find((u) => u.id === auto.id)!.changes).toEqual({ linkedProxmoxEndpointId: 10, linkSource: "auto" });
    expect(plan.unchanged.find((u) => u.id === manual.id)).toBeDefined();
    expect(plan.unchanged.find((u) => u.id === amb.id)!.linkCandidates).toEqual([11, 12]);
  });

  it("is idempotent: applying the plan's state and reconciling again changes nothing", async () => {
    const r = row("stable", { linkSource: "auto", linkedProxmoxEndpointId: 10, nodes: [{ host: "a.example.net", port: 8006, fingerprint: null }] });
    const plan = await reconcileRemotes([r], [fetched(r)], ctx([{ id: 10, host: "a.example.net", port: 8006, fingerprint: null }]));
    expect(plan.updates).toEqual([]);
    expect(plan.creates).toEqual([]);
    expect(plan.deletes).toEqual([]);
  });
});
