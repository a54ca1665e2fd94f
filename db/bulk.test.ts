import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { describeEachDb, uniq } from "@/tests/db";
import { bulkInsert, idIn } from "./bulk";
import { rowsOf } from "./client";
import { pdmEndpoints, pdmRemotes } from "./schema";

describeEachDb("bulk statements", (get) => {
  const db = () => get().handle.db;

  it("bulkInsert writes every row, nested JSON and timestamps included, and returns them mapped", async () => {
    const [ep] = await db().insert(pdmEndpoints).values({ name: uniq("pdm"), host: "pdm.example.net", tokenId: "root@pam!t" }).returning();
    const seen = new Date("2026-11-30T10:20:30.456Z");
    const rows = Array.from({ length: 1203 }, (_, i) => ({
      pdmEndpointId: ep!.id,
      name: `bulk-${i}`,
      remoteType: i % 3 ? ("pve" as const) : ("pbs" as const),
      nodes: [{ host: `n${i}.example.net`, port: i % 2 ? 8006 : null, fingerprint: i % 5 ? null : "ab:cd" }],
      lastSeenAt: seen,
    }));
    const out = await bulkInsert(db(), pdmRemotes, rows, { chunk: 500 });
    expect(out).toHaveLength(1203);
    expect(out[7]).toMatchObject({ name: "bulk-7", remoteType: "pve", nodes: [{ host: "n7.example.net", port: 8006, fingerprint: null }] });
    expect(out[7]!.lastSeenAt?.toISOString()).toBe(seen.toISOString());
    const [n] = rowsOf<{ n: number }>(await db().execute(sql`select count(*)::int as n from pdm_remotes where pdm_endpoint_id = ${ep!.id}`));
    expect(Number(n!.n)).toBe(1203);
  });

  it("idIn matches exactly the given ids, however many, and refuses anything but integers", async () => {
    const [ep] = await db().insert(pdmEndpoints).values({ name: uniq("pdm"), host: "pdm.example.net", tokenId: "root@pam!t" }).returning();
    const rows = await bulkInsert(
      db(),
      pdmRemotes,
      Array.from({ length: 2500 }, (_, i) => ({ pdmEndpointId: ep!.id, name: `ids-${i}`, remoteType: "pve" as const })),
    );
    const picked = rows.filter((_, i) => i % 2 === 0).map((r) => r.id);
    const touched = await db().update(pdmRemotes).set({ lastError: "picked" }).where(idIn(pdmRemotes.id, picked)).returning({ id: pdmRemotes.id });
    expect(touched.map((r) => r.id).sort((a, b) => a - b)).toEqual([...picked].sort((a, b) => a - b));
    expect(await db().select().from(pdmRemotes).where(idIn(pdmRemotes.id, []))).toEqual([]);
    expect(() => idIn(pdmRemotes.id, [1, 2.5])).toThrow(/not an integer id/);
    expect(() => idIn(pdmRemotes.id, [Number.NaN])).toThrow(/not an integer id/);
  });

  it("pdm_remotes leaves half of each page free, so the sync's per-row updates stay on their page", async () => {
    const [r] = rowsOf<{ opts: string[] | null }>(await db().execute(sql`select reloptions as opts from pg_class where relname = 'pdm_remotes'`));
    expect(r?.opts).toContain("fillfactor=50");
  });
});
