"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { actionArgs, runAction, type ActionResult } from "@/lib/actions";
import { actionContext } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { discardBranch, mergeOpenBranch } from "@/lib/services/branches";

// Reviewing a branch left open (SPEC §5): merge it (conflicts acknowledged = the branch's values
// win) or discard it. Both need branch.merge (editors and admins).

const zBranchName = z.string("Expected a branch name.").min(1).max(200);

function revalidate() {
  revalidatePath("/plugins/pdm/branches/", "layout");
  revalidatePath("/plugins/pdm/sync-runs/", "layout");
  revalidatePath("/plugins/pdm/remotes/", "layout");
  revalidatePath("/plugins/pdm/endpoints/", "layout");
}

export async function mergeBranchAction(
  name: string,
  acknowledgeConflicts: boolean,
): Promise<ActionResult<{ created: number; updated: number; deleted: number }>> {
  return runAction(async () => {
    ({ name, acknowledgeConflicts } = actionArgs(z.object({ name: zBranchName, acknowledgeConflicts: z.boolean() }), { name, acknowledgeConflicts }));
    const ctx = await actionContext("branch.merge");
    try {
      const merged = await mergeOpenBranch(ctx, name, { acknowledge_conflicts: acknowledgeConflicts });
      revalidate();
      return merged.applied ?? { created: merged.created, updated: merged.updated, deleted: merged.deleted };
    } catch (err) {
      // Main may have changed since the page was rendered: the page refreshes to show the conflicts.
      if (isAppError(err) && err.code === "conflict") revalidate();
      throw err;
    }
  });
}

export async function discardBranchAction(name: string): Promise<ActionResult> {
  return runAction(async () => {
    ({ name } = actionArgs(z.object({ name: zBranchName }), { name }));
    await discardBranch(await actionContext("branch.merge"), name);
    revalidate();
    return undefined;
  });
}
