import { bulkInsert } from "@/db/bulk";
import { pdmRemotes, type NewPdmRemote } from "@/db/schema";
import { authorize } from "@/lib/auth/permissions";
import { recordChanges } from "../changelog/record";
import { withTransaction, type ServiceContext } from "../context";
import { pdmRemoteRowSnapshot } from ".";

// The bulk write path the sync uses: thousands of remotes per endpoint, jsonb-expanded
// inserts (db/bulk.ts), change-log entries written alongside in the same transaction.

/** Inserts remotes and their "create" change-log entries; returns the new rows in input order. */
export async function bulkCreateRemotes(ctx: ServiceContext, rows: NewPdmRemote[]): Promise<(typeof pdmRemotes.$inferSelect)[]> {
  authorize(ctx.actor, "inventory.write");
  if (!rows.length) return [];
  return withTransaction(ctx, async (tx) => {
    const created = await bulkInsert(tx.db, pdmRemotes, rows);
    await recordChanges(
      tx,
      created.map((row) => ({
        action: "create" as const,
        objectType: "netbox_pdm.pdmremote" as const,
        objectId: row.id,
        repr: row.name,
        pre: null,
        post: pdmRemoteRowSnapshot(row),
      })),
    );
    return created;
  });
}
