import { randomUUID } from "node:crypto";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getDb } from "@/db";
import type { UserRole } from "@/db/schema";
import { sessionSecret } from "@/lib/crypto/app-key";
import { log } from "@/lib/log";
import { requestClientAddress } from "@/lib/server/client-address";
import { authenticateUser, revokeSession } from "@/lib/services/users";
import { safeCallbackPath } from "./redirect";
import { signInThrottle } from "./throttle";

declare module "next-auth" {
  interface Session {
    user: { id: number; name: string; role: UserRole };
  }
  interface User {
    role: UserRole;
    /** The user's credentials version at sign-in (see lib/services/users actorForSession). */
    cv: number;
  }
}
declare module "next-auth/jwt" {
  interface JWT {
    uid?: number;
    role?: UserRole;
    /** This session's own id: signing out revokes it. */
    sid?: string;
    /** The credentials version it was signed in under: a password change ends it. */
    cv?: number;
  }
}

// Without NEXTAUTH_URL, next-auth derives its URL from the request's Host header: the app is
// self-hosted behind whatever name the operator gives it.
process.env.AUTH_TRUST_HOST ??= "true";

export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

/** What the sign-in form shows when an attempt is refused unchecked (the same for every name). */
export const THROTTLED_PREFIX = "Too many failed sign-ins.";

type AuthorizeRequest = { headers?: Record<string, string | string[] | undefined> } | undefined;

/** Checks credentials, throttled per account name and per client address (issue 17). */
export async function authorizeCredentials(
  credentials: Record<string, string> | undefined,
  req: AuthorizeRequest,
): Promise<{ id: string; name: string; role: UserRole; cv: number } | null> {
  const username = typeof credentials?.username === "string" ? credentials.username.trim() : "";
  const password = typeof credentials?.password === "string" ? credentials.password : "";
  const client = requestClientAddress(req?.headers ?? {});
  const throttle = signInThrottle();
  const verdict = throttle.begin(username, client);
  const who = { username: username.slice(0, 150), client };
  if (!verdict.allowed) {
    log.warn("sign-in refused: too many failed attempts", { ...who, retry_after_s: verdict.retryAfterSeconds, locked: verdict.locked });
    const n = verdict.retryAfterSeconds;
    throw new Error(`${THROTTLED_PREFIX} Try again in ${n} second${n === 1 ? "" : "s"}.`);
  }
  const user = username && password && username.length <= 150 && password.length <= 256 ? await authenticateUser(await getDb(), username, password) : null;
  if (!user) {
    log.warn("sign-in failed", { ...who, failures: throttle.failuresOf(username) });
    return null;
  }
  throttle.succeeded(verdict.attempt);
  log.info("signed in", { username: user.username, client });
  return { id: String(user.id), name: user.username, role: user.role, cv: user.credentialsVersion };
}

/** Built per call: the secret comes from the app key, which may be generated at first start. */
export function getAuthOptions(): NextAuthOptions {
  return {
    secret: sessionSecret(),
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/login/", error: "/login/" },
    providers: [
      CredentialsProvider({
        id: "credentials",
        name: "Username and password",
        credentials: { username: { label: "Username", type: "text" }, password: { label: "Password", type: "password" } },
        authorize: (credentials, req) => authorizeCredentials(credentials, req as AuthorizeRequest),
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.uid = Number(user.id);
          token.role = user.role;
          token.sid = randomUUID();
          token.cv = user.cv;
        }
        return token;
      },
      session({ session, token }) {
        session.user = { id: token.uid ?? 0, name: token.name ?? "", role: token.role ?? "viewer" };
        return session;
      },
      // Only this app's own paths, whatever a callbackUrl says (issue 17).
      redirect({ url, baseUrl }) {
        if (url.startsWith(`${baseUrl}/`)) return `${baseUrl}${safeCallbackPath(url.slice(baseUrl.length))}`;
        return `${baseUrl}${safeCallbackPath(url)}`;
      },
    },
    events: {
      // A copy of the cookie must not outlive signing out (issue 17).
      async signOut({ token }) {
        const t = token as { sid?: unknown; uid?: unknown } | null;
        if (typeof t?.sid === "string" && typeof t.uid === "number")
          await revokeSession(await getDb(), t.sid, t.uid, new Date(Date.now() + SESSION_MAX_AGE_SECONDS * 1000));
      },
    },
  };
}
