import { parseToken, type SimToken } from "./acl";
import type { SimRemote } from "./data";

// What the simulated PDM knows: its remotes and its API tokens. The PDM routes read it, the
// control interface changes it.

export class SimState {
  /** Replaced on every change of membership, never edited in place (the index below relies on it). */
  remotes: SimRemote[];
  /** The token table (pdm-api.md §7.2), replaced on every change of membership. */
  tokens: SimToken[];
  /** The default token's secret. */
  tokenSecret: string;
  /** Since when a remote's calls time out (PDM's back-off starts after backOffAfterMs of failure). */
  readonly failingSince = new Map<string, number>();
  /** Every remote-version request looks its remote up: by id, in an index of the current list. */
  private index: { of: SimRemote[]; byId: Map<string, SimRemote> } | null = null;

  constructor(
    /** The default token: Auditor on /resource, propagated, so every remote is visible. */
    readonly tokenId: string,
    tokenSecret: string,
    remotes: SimRemote[],
    moreTokens: SimToken[],
  ) {
    this.tokenSecret = tokenSecret;
    this.remotes = remotes;
    this.tokens = [
      { tokenid: tokenId, secret: tokenSecret, enabled: true, expire: 0, acl: [{ path: "/resource", role: "Auditor", propagate: true }] },
      ...moreTokens
        .filter((t) => t.tokenid !== tokenId)
        .map((t) => {
          const parsed = parseToken(t);
          if (typeof parsed === "string") throw new Error(`tokens: ${parsed}`);
          return parsed;
        }),
    ];
  }

  find(id: string): SimRemote | undefined {
    if (this.index?.of !== this.remotes) {
      const byId = new Map<string, SimRemote>();
      for (const r of this.remotes) if (!byId.has(r.id)) byId.set(r.id, r);
      this.index = { of: this.remotes, byId };
    }
    return this.index.byId.get(id);
  }

  findToken(id: string): SimToken | undefined {
    return this.tokens.find((t) => t.tokenid === id);
  }
}
