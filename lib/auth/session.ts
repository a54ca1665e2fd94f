import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { getDb } from "@/db";
import { AppError } from "@/lib/errors";
import { createContext, type Actor, type ServiceContext } from "@/lib/services/context";
import { actorForSession } from "@/lib/services/users";
import { readSessionJwt } from "./jwt";
import { authorize, type Permission } from "./permissions";

/**
 * The signed-in person, re-read from the database once per request (role changes apply at once;
 * a signed-out session or one from before a password change is no session).
 */
export const getSessionActor = cache(async (): Promise<Actor | null> => {
  const token = await readSessionJwt(await cookies());
  if (!token) return null;
  return actorForSession(await getDb(), token);
});

/** For pages and layouts: the actor, or a redirect to the sign-in page. */
export async function requirePageActor(): Promise<Actor> {
  const actor = await getSessionActor();
  if (!actor) redirect("/login/");
  return actor;
}

/** For server actions: a service context for the signed-in person holding `permission`. */
export async function actionContext(permission: Permission): Promise<ServiceContext> {
  const actor = await getSessionActor();
  if (!actor) throw new AppError("unauthorized", "Your session has ended. Sign in again.");
  authorize(actor, permission);
  return createContext(await getDb(), actor);
}

/** For route handlers outside the API: the signed-in person's context, or null without a session. */
export async function sessionContext(): Promise<ServiceContext | null> {
  const actor = await getSessionActor();
  return actor ? createContext(await getDb(), actor) : null;
}

/** For server components: a read context (the layout already required a session). */
export async function pageContext(): Promise<ServiceContext> {
  const actor = await requirePageActor();
  return createContext(await getDb(), actor);
}
