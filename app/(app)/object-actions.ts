"use server";

import { revalidatePath } from "next/cache";
import { runAction, type ActionResult } from "@/lib/actions";
import { actionContext } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { KINDS, kindInfo, type Kind } from "@/lib/ui/kinds";
import { SERVICES } from "./object-services";

// UI mutations for every object kind (house style rule 15): check the session and role, call one
// service verb, revalidate, return a result (field errors for the form) — never a raw error.

function assertKind(kind: string): asserts kind is Kind {
  if (!Object.prototype.hasOwnProperty.call(KINDS, kind)) throw new AppError("bad_request", "Unknown object kind.");
}

export async function saveObjectAction(kind: Kind, id: number | null, values: Record<string, unknown>): Promise<ActionResult<{ id: number; url: string }>> {
  return runAction(async () => {
    assertKind(kind);
    const info = kindInfo(kind);
    const ctx = await actionContext(info.write);
    const service = SERVICES[kind];
    const rec = id === null ? await service.create(ctx, values) : await service.update(ctx, id, values, { partial: true });
    revalidatePath(info.path, "layout");
    return { id: rec.id, url: `${info.path}${rec.id}/` };
  });
}

export async function deleteObjectAction(kind: Kind, id: number): Promise<ActionResult<{ url: string }>> {
  return runAction(async () => {
    assertKind(kind);
    const info = kindInfo(kind);
    const ctx = await actionContext(info.write);
    await SERVICES[kind].delete(ctx, id);
    revalidatePath(info.path, "layout");
    return { url: info.path };
  });
}

export async function bulkDeleteAction(kind: Kind, ids: number[]): Promise<ActionResult<{ deleted: number }>> {
  return runAction(async () => {
    assertKind(kind);
    const info = kindInfo(kind);
    const ctx = await actionContext(info.write);
    if (!Array.isArray(ids) || ids.some((i) => !Number.isInteger(i))) throw new AppError("bad_request", "Select objects to delete.");
    const deleted = await SERVICES[kind].bulkDelete(ctx, ids);
    revalidatePath(info.path, "layout");
    return { deleted };
  });
}
