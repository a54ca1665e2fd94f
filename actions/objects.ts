"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { actionArgs, runAction, zActionId, zActionIds, zActionValues, type ActionResult } from "@/lib/actions";
import { actionContext } from "@/lib/auth/session";
import { KIND_TYPES } from "@/lib/object-types";
import { serviceOf } from "@/lib/services/registry";
import { kindInfo, type Kind } from "@/lib/ui/kinds";

// UI mutations for every object kind (house style rule 15): check the session and role, call one
// service verb, revalidate, return a result (field errors for the form) — never a raw error.

const zKind = z.enum(Object.keys(KIND_TYPES) as [Kind, ...Kind[]], "Unknown object kind.");
const saveArgs = z.object({ kind: zKind, id: zActionId.nullable(), values: zActionValues });
const deleteArgs = z.object({ kind: zKind, id: zActionId });
const bulkDeleteArgs = z.object({ kind: zKind, ids: zActionIds });

export async function saveObjectAction(kind: Kind, id: number | null, values: Record<string, unknown>): Promise<ActionResult<{ id: number; url: string }>> {
  return runAction(async () => {
    ({ kind, id, values } = actionArgs(saveArgs, { kind, id, values }));
    const info = kindInfo(kind);
    const ctx = await actionContext(info.write);
    const service = serviceOf(kind);
    const rec = id === null ? await service.create(ctx, values) : await service.update(ctx, id, values, { partial: true });
    revalidatePath(info.path, "layout");
    return { id: rec.id, url: `${info.path}${rec.id}/` };
  });
}

export async function deleteObjectAction(kind: Kind, id: number): Promise<ActionResult<{ url: string }>> {
  return runAction(async () => {
    ({ kind, id } = actionArgs(deleteArgs, { kind, id }));
    const info = kindInfo(kind);
    const ctx = await actionContext(info.write);
    await serviceOf(kind).delete(ctx, id);
    revalidatePath(info.path, "layout");
    return { url: info.path };
  });
}

export async function bulkDeleteAction(kind: Kind, ids: number[]): Promise<ActionResult<{ deleted: number }>> {
  return runAction(async () => {
    ({ kind, ids } = actionArgs(bulkDeleteArgs, { kind, ids }));
    const info = kindInfo(kind);
    const ctx = await actionContext(info.write);
    const deleted = await serviceOf(kind).bulkDelete(ctx, ids);
    revalidatePath(info.path, "layout");
    return { deleted };
  });
}
