"use server";

import { revalidatePath } from "next/cache";
import { runAction, type ActionResult } from "@/lib/actions";
import { actionContext } from "@/lib/auth/session";
import { createToken, deleteToken } from "@/lib/services/tokens";

export interface CreatedToken {
  id: number;
  key: string;
}

export async function createTokenAction(input: { description: string; write_enabled: boolean; expires: string | null; user?: number }): Promise<ActionResult<CreatedToken>> {
  return runAction(async () => {
    const ctx = await actionContext("tokens.manage_own");
    const { token, key } = await createToken(ctx, input);
    revalidatePath("/users/tokens/");
    return { id: token.id, key };
  });
}

export async function deleteTokenAction(id: number): Promise<ActionResult> {
  return runAction(async () => {
    const ctx = await actionContext("tokens.manage_own");
    await deleteToken(ctx, id);
    revalidatePath("/users/tokens/");
    return undefined;
  });
}
