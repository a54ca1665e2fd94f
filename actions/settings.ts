"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { actionArgs, runAction, zActionValues, type ActionResult } from "@/lib/actions";
import { actionContext } from "@/lib/auth/session";
import { updateSettings } from "@/lib/services/settings";

export async function updateSettingsAction(values: Record<string, unknown>): Promise<ActionResult> {
  return runAction(async () => {
    ({ values } = actionArgs(z.object({ values: zActionValues }), { values }));
    const ctx = await actionContext("settings.write");
    await updateSettings(ctx, values, { partial: true });
    revalidatePath("/plugins/pdm/settings/");
    return undefined;
  });
}
