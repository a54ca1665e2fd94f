import { and, desc, eq, gte, isNull } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { branches, objectChanges, type Branch } from "@/db/schema";
import { authorize } from "@/lib/auth/permissions";
import type { Author, SnapshotPreview } from "@/lib/git";
import { log } from "@/lib/log";
import type { ServiceContext } from "../context";
import { describeChanges, inventoryChanges, inventoryIndex, inventoryStore, setInventoryIndex } from "./snapshot";

// Main, the inventory's history: brought up to date with the database (the edits made between
// Git operations become a commit of their own), read as the database holds it now without
// writing (for reviews), rolled forward after a crash mid-merge, and read per object.

/** Who a commit made for this context is by: a person, or the sync run. */
export function authorOf(ctx: ServiceContext): Author {
  return { name: ctx.actor.kind === "sync" ? `netbox-pdm ${ctx.actor.username}` : ctx.actor.username, email: "netbox-pdm@localhost" };
}

/** Rolls forward merges the database recorded but main does not contain (a crash in between). */
export async function recoverMerges(db: Executor): Promise<number> {
  const store = await inventoryStore();
  // Newest first: a merge already on main means every earlier one is too (main only moves
  // forward), so the walk stops there instead of checking the whole history on every call.
  const merged = await db.select().from(branches).where(eq(branches.status, "merged")).orderBy(desc(branches.mergedAt), desc(branches.id));
  const pending: Branch[] = [];
  for (const b of merged) {
    if (!b.mergeOid) continue;
    if (await store.isAncestor(b.mergeOid, "main")) break;
    pending.unshift(b);
  }
  let fixed = 0;
  for (const b of pending) {
    const mergeOid = b.mergeOid!;
    const main = await store.resolve("main");
    const [first] = (await store.log(mergeOid, 1))[0]?.parents ?? [];
    if (first !== main) {
      log.error(`branch ${b.name}: its merge commit ${mergeOid} does not follow main; main left as it is`);
      continue;
    }
    await store.advanceRef("main", mergeOid, main);
    fixed++;
    log.warn(`branch ${b.name}: completed an interrupted merge (main advanced to ${mergeOid.slice(0, 10)})`);
  }
  return fixed;
}

/**
 * Commits the database's inventory to main when they differ (edits made between runs), with a
 * message that says what changed. Callers hold the Git lock.
 */
export async function commitInventoryToMain(ctx: ServiceContext, why: string): Promise<{ oid: string; changed: boolean; summary: string }> {
  await recoverMerges(ctx.db);
  const store = await inventoryStore();
  // The commit is authored by whoever made the edits (from the change log since main's tip), not
  // by whoever happens to bring main up to date.
  const tip = (await store.log("main", 1))[0];
  const tipOid = tip?.oid ?? null;
  const changes = await inventoryChanges(ctx.db, inventoryIndex(), tipOid);
  if ("put" in changes && !changes.put.size && !changes.putBlobs.size && !changes.remove.length && tipOid) {
    setInventoryIndex({ tip: tipOid, digests: changes.digests, paths: changes.paths });
    return { oid: tipOid, changed: false, summary: "no changes" };
  }
  const editors = tip ? await editorsSince(ctx.db, tip.time) : [];
  const author: Author = editors.length === 1 ? { name: editors[0]!, email: "netbox-pdm@localhost" } : editors.length ? { name: "netbox-pdm", email: "netbox-pdm@localhost" } : authorOf(ctx);
  const by = editors.length ? ` (by ${editors.slice(0, 5).join(", ")}${editors.length > 5 ? ", …" : ""})` : "";
  const message = (c: { added: string[]; modified: string[]; removed: string[] }) => `${why}: ${describeChanges(c)}${by}`;
  const r = await store.writeSnapshot(
    "full" in changes ? { ref: "main", objects: changes.full, message, author } : { ref: "main", put: changes.put, putBlobs: changes.putBlobs, remove: changes.remove, message, author },
  );
  setInventoryIndex({ tip: r.oid, digests: changes.digests, paths: changes.paths });
  return { oid: r.oid, changed: r.changed, summary: describeChanges(r) };
}

/** People and tokens' owners whose edits (not sync runs') the change log holds since `time`. */
async function editorsSince(db: Executor, time: Date): Promise<string[]> {
  const rows = await db
    .selectDistinct({ name: objectChanges.userName })
    .from(objectChanges)
    .where(and(gte(objectChanges.time, new Date(time.getTime() - 1000)), isNull(objectChanges.syncRunId)))
    .orderBy(objectChanges.userName)
    .limit(6);
  return rows.map((r) => r.name);
}

/**
 * Main as the database holds it now — the tree commitInventoryToMain would commit — in memory:
 * nothing is written and no ref moves, so reading a branch's diff never writes.
 */
export async function inventoryAsMain(db: Executor): Promise<SnapshotPreview> {
  const store = await inventoryStore();
  const tip = await store.resolve("main");
  const changes = await inventoryChanges(db, inventoryIndex(), tip);
  const ref = tip ?? "main";
  return store.previewSnapshot("full" in changes ? { ref, objects: changes.full } : { ref, put: changes.put, putBlobs: changes.putBlobs, remove: changes.remove });
}

/** An object's history from main, across renames: what changed, when, by which run (SPEC §5). */
export async function objectHistory(ctx: ServiceContext, path: string, limit = 30) {
  authorize(ctx.actor, "inventory.read");
  const store = await inventoryStore();
  return store.history(path, { limit });
}
