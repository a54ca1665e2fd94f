import { NextRequest } from "next/server";
import { provideDatabase } from "@/db";
import { createContext, SYSTEM_ACTOR } from "@/lib/services/context";
import { createToken } from "@/lib/services/tokens";
import { userService } from "@/lib/services/users";
import type { TestDb } from "./db";
import { uniq } from "./db";

// In-process API tests: route handlers are plain functions of a Request, so tests call them
// directly against a test database, with no server and no build.

type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

export const TEST_ORIGIN = "http://testserver";

export interface CallOptions {
  method?: string;
  token?: string;
  headers?: Record<string, string>;
  /** A value to JSON-encode, or a raw string body. */
  body?: unknown;
  params?: Record<string, string>;
}

export async function callRoute(handler: Handler, path: string, opts: CallOptions = {}): Promise<{ status: number; body: unknown; headers: Headers; text: string }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Token ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  const req = new NextRequest(new URL(path, TEST_ORIGIN), { method: opts.method ?? "GET", headers, body });
  const res = await handler(req, { params: Promise.resolve(opts.params ?? {}) });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, headers: res.headers, text };
}

/** Routes the app's database handle to the test database and returns API keys for each role. */
export async function setupApi(db: TestDb): Promise<{ admin: string; editor: string; viewer: string; readOnly: string }> {
  provideDatabase(db.handle);
  const ctx = createContext(db.handle.db, SYSTEM_ACTOR);
  const keys: Record<string, string> = {};
  for (const role of ["admin", "editor", "viewer"] as const) {
    const user = await userService.create(ctx, { username: uniq(role), password: "password1234", role });
    keys[role] = (await createToken(ctx, { user: user.id })).key;
    if (role === "editor") keys.readOnly = (await createToken(ctx, { user: user.id, write_enabled: false })).key;
  }
  return keys as { admin: string; editor: string; viewer: string; readOnly: string };
}

/**
 * A browser session for `userId` as the sign-in writes it: the encoded JWT under next-auth's cookie
 * name (`__Secure-` prefixed when the app is served over https). Returns the Cookie header value.
 */
export async function sessionCookie(
  userId: number,
  opts: { secure?: boolean; sid?: string; credentialsVersion?: number; name?: string } = {},
): Promise<{ cookie: string; sid: string }> {
  const { encode } = await import("next-auth/jwt");
  const { sessionSecret } = await import("@/lib/crypto/app-key");
  const sid = opts.sid ?? `sid-${userId}-${Math.random().toString(36).slice(2)}`;
  const token = await encode({ token: { uid: userId, name: opts.name ?? "someone", role: "admin", sid, cv: opts.credentialsVersion ?? 1 }, secret: sessionSecret() });
  return { cookie: `${opts.secure ? "__Secure-" : ""}next-auth.session-token=${token}`, sid };
}
