"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { actionArgs, runAction, zActionId, type ActionResult } from "@/lib/actions";
import { actionContext } from "@/lib/auth/session";
import { pdmRemoteService } from "@/lib/services/pdm-remotes";
import { zDescription } from "@/lib/validation/fields";

const updateArgs = z.object({
  id: zActionId,
  input: z.strictObject(
    {
      link: z.strictObject({ field: z.enum(["linked_proxmox_endpoint", "linked_pbs_server"]), value: zActionId.nullable() }).optional(),
      description: zDescription,
    },
    "Expected the form's values.",
  ),
});

/**
 * The remote edit form (SPEC §3): a person setting the link makes it `manual`; only a changed
 * link is sent, so saving just the description leaves an automatic link automatic.
 */
export async function updateRemoteAction(
  id: number,
  input: { link?: { field: "linked_proxmox_endpoint" | "linked_pbs_server"; value: number | null }; description: string },
): Promise<ActionResult<{ url: string }>> {
  return runAction(async () => {
    ({ id, input } = actionArgs(updateArgs, { id, input }));
    const ctx = await actionContext("inventory.write");
    await pdmRemoteService.update(ctx, id, { description: input.description, ...(input.link ? { [input.link.field]: input.link.value } : {}) }, { partial: true });
    revalidatePath("/plugins/pdm/remotes/", "layout");
    return { url: `/plugins/pdm/remotes/${id}/` };
  });
}

/** Hands the link back to sync (the explicit "reset to automatic"). */
export async function resetRemoteLinkAction(id: number): Promise<ActionResult> {
  return runAction(async () => {
    ({ id } = actionArgs(z.object({ id: zActionId }), { id }));
    const ctx = await actionContext("inventory.write");
    await pdmRemoteService.update(ctx, id, { link_source: "auto" }, { partial: true });
    revalidatePath("/plugins/pdm/remotes/", "layout");
    return undefined;
  });
}
