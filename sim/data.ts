import crypto from "node:crypto";

// The simulator's deterministic data generator (pdm-api.md §7.4, §7.5 #10-11): realistic remote
// names, node strings (ports or not, IPv6, upper/lowercase fingerprints, none), versions.

export interface SimNode {
  /** As PDM stores it: "host", "host:port", "[v6]:port". */
  hostname: string;
  fingerprint: string | null;
  /** For /pve/remotes/{r}/nodes and cluster-status. */
  name: string;
  ip: string;
  /** The PVE cluster reports this node offline (the rest of the cluster still answers). */
  offline?: boolean;
}

/**
 * How PDM's calls to the remote go (pdm-api.md §7.4, §7.5 #4, #5b, #7):
 * - offline: connection refused or similar, `reason` is the root cause PDM reports;
 * - slow: every call takes `seconds`; at or past PDM's per-attempt timeout (60 s) it fails
 *   with "timed out" after timeout × (nodes + 1), and instantly once back-off is active;
 * - auth_broken: the remote rejects PDM's token (`api error (status = 401: …)`);
 * - tls_mismatch: the remote presents a certificate other than the pinned one (`fingerprint`).
 */
export type RemoteState =
  | { kind: "online" }
  | { kind: "offline"; reason: string }
  | { kind: "slow"; seconds: number }
  | { kind: "auth_broken"; message?: string }
  | { kind: "tls_mismatch"; fingerprint?: string };

export interface SimRemote {
  id: string;
  type: "pve" | "pbs";
  nodes: SimNode[];
  authid: string;
  webUrl: string | null;
  version: string;
  release: string;
  state: RemoteState;
}

export interface GenerateOptions {
  remotes: number;
  /** Share of PBS remotes, 0..1 (default 0.2). */
  pbsShare?: number;
  /** Nodes per PVE cluster: [min, max] (default [1, 5]). */
  nodesPerCluster?: [number, number];
  /** Share of nodes whose string carries a fingerprint (default 0.85). */
  fingerprintShare?: number;
  seed?: number;
  /** Prefix for remote ids, so several simulators (endpoints) never share names. */
  prefix?: string;
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SITES = ["ams", "fra", "lon", "par", "nyc", "sfo", "sin", "syd", "tok", "zrh"];
const PVE_VERSIONS = [
  ["8.4.1", "8.4"],
  ["8.4.5", "8.4"],
  ["9.0.6", "9.0"],
  ["9.0.10", "9.0"],
  ["9.1.2", "9.1"],
] as const;
const PBS_VERSIONS = [
  ["3.4", "7"],
  ["4.0", "14"],
  ["4.0", "18"],
] as const;

export function fingerprintFor(key: string): string {
  return crypto.createHash("sha256").update(key).digest("hex").match(/../g)!.join(":");
}

export function nodeString(n: SimNode): string {
  return n.fingerprint ? `${n.hostname},fingerprint=${n.fingerprint}` : n.hostname;
}

export function generateRemotes(opts: GenerateOptions): SimRemote[] {
  const rand = prng(opts.seed ?? 1);
  const pbsShare = opts.pbsShare ?? 0.2;
  const [minNodes, maxNodes] = opts.nodesPerCluster ?? [1, 5];
  const fpShare = opts.fingerprintShare ?? 0.85;
  const prefix = opts.prefix ? `${opts.prefix}-` : "";
  const counters = new Map<string, number>();
  const out: SimRemote[] = [];
  for (let i = 0; i < opts.remotes; i++) {
    const type = rand() < pbsShare ? "pbs" : "pve";
    const site = SITES[Math.floor(rand() * SITES.length)]!;
    const n = (counters.get(`${type}-${site}`) ?? 0) + 1;
    counters.set(`${type}-${site}`, n);
    const id = `${prefix}${type}-${site}-${String(n).padStart(2, "0")}`;
    const nodeCount = type === "pbs" ? 1 : minNodes + Math.floor(rand() * (maxNodes - minNodes + 1));
    const defaultPort = type === "pve" ? 8006 : 8007;
    const nodes: SimNode[] = [];
    for (let k = 0; k < nodeCount; k++) {
      const octet = (i * 7 + k) % 250;
      const ip = `10.${(i >> 8) & 255}.${i & 255}.${octet + 1}`;
      const name = type === "pbs" ? "localhost" : `${type}${k + 1}`;
      const style = rand();
      let hostname: string;
      if (style < 0.05) hostname = `[2001:db8:${i.toString(16)}::${(k + 1).toString(16)}]:${defaultPort}`;
      else if (style < 0.45) hostname = `${ip}:${defaultPort}`;
      else if (style < 0.8) hostname = `${type}${k + 1}.${id}.${site}.example.net:${defaultPort}`;
      else hostname = `${type}${k + 1}.${id}.${site}.example.net`;
      let fingerprint: string | null = rand() < fpShare ? fingerprintFor(`${prefix}${id}/${k}`) : null;
      if (fingerprint && rand() < 0.1) fingerprint = fingerprint.toUpperCase();
      nodes.push({ hostname, fingerprint, name, ip });
    }
    const [version, release] = (type === "pve" ? PVE_VERSIONS : PBS_VERSIONS)[Math.floor(rand() * (type === "pve" ? PVE_VERSIONS.length : PBS_VERSIONS.length))]!;
    out.push({
      id,
      type,
      nodes,
      authid: type === "pve" ? "root@pam!pdm-admin" : "root@pam!pdm",
      webUrl: rand() < 0.5 ? `https://${id}.${site}.example.net:${defaultPort}/` : null,
      version,
      release,
      state: { kind: "online" },
    });
  }
  return out;
}
