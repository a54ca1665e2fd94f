"use server";

import { revalidatePath } from "next/cache";
import { runAction, type ActionResult } from "@/lib/actions";
import { actionContext } from "@/lib/auth/session";
import { updateSettings } from "@/lib/services/settings";

export async function updateSettingsAction(values: Record<string, unknown>): Promise<ActionResult> {
  return runAction(async () => {
    const ctx = await actionContext("settings.write");
    await updateSettings(ctx, values, { partial: true });
    revalidatePath("/plugins/pdm/settings/");
    return undefined;
  });
}
