"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { actionArgs, runAction, zActionId, zActionValues, type ActionResult } from "@/lib/actions";
import { actionContext } from "@/lib/auth/session";
import { createToken, deleteToken } from "@/lib/services/tokens";

export interface CreatedToken {
  id: number;
  key: string;
}

export async function createTokenAction(input: { description: string; write_enabled: boolean; expires: string | null; user?: number }): Promise<ActionResult<CreatedToken>> {
  return runAction(async () => {
    // An object; createToken checks its fields with the API's own schema.
    const { input: values } = actionArgs(z.object({ input: zActionValues }), { input });
    const ctx = await actionContext("tokens.manage_own");
    const { token, key } = await createToken(ctx, values);
    revalidatePath("/users/tokens/");
    return { id: token.id, key };
  });
}

export async function deleteTokenAction(id: number): Promise<ActionResult> {
  return runAction(async () => {
    ({ id } = actionArgs(z.object({ id: zActionId }), { id }));
    const ctx = await actionContext("tokens.manage_own");
    await deleteToken(ctx, id);
    revalidatePath("/users/tokens/");
    return undefined;
  });
}
