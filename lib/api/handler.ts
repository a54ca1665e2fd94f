import "server-only";
import { randomUUID } from "node:crypto";
import type { NextRequest } from "next/server";
import { getDb } from "@/db";
import { authorize, type Permission } from "@/lib/auth/permissions";
import { readSessionJwt } from "@/lib/auth/jwt";
import { parseAuthorizationHeader } from "@/lib/auth/token-keys";
import { AppError } from "@/lib/errors";
import { createContext, type Actor, type ServiceContext } from "@/lib/services/context";
import { authenticateToken } from "@/lib/services/tokens";
import { actorForSession } from "@/lib/services/users";
import { apiBodyLimit, assertDeclaredLengthWithin, assertJsonBody, assertSameOriginWrite, readBodyText } from "./request-guard";
import { detailResponse, errorResponse } from "./responses";

// The one wrapper every API route handler goes through (house style rule 8): request id,
// authentication (token or session), the permission check, and errors as DRF-shaped JSON.

export interface ApiRequest {
  req: NextRequest;
  ctx: ServiceContext;
  actor: Actor;
  /** Scheme, host and port the request arrived on (SPEC §6: absolute urls). */
  baseUrl: string;
  params: Record<string, string>;
  requestId: string;
}

type RouteContext = { params: Promise<Record<string, string | string[]>> };

export function requestBaseUrl(req: Request): string {
  const url = new URL(req.url);
  const first = (v: string | null) => v?.split(",")[0]?.trim() || undefined;
  const host = first(req.headers.get("x-forwarded-host")) ?? first(req.headers.get("host")) ?? url.host;
  const proto = (first(req.headers.get("x-forwarded-proto")) ?? url.protocol.replace(/:$/, "")).toLowerCase();
  // Headers are client input: a malformed forwarded host or scheme (a space, a bad port, a path)
  // would make every absolute url unparseable, so it falls back to the URL the request arrived on.
  if (proto === "http" || proto === "https") {
    try {
      const u = new URL(`${proto}://${host}/`);
      if (u.pathname === "/" && !u.username && !u.password && !u.search && !u.hash) return `${proto}://${u.host}`;
    } catch {
      // fall through
    }
  }
  return url.origin;
}

async function authenticate(req: NextRequest, baseUrl: string): Promise<Actor | Response> {
  const header = req.headers.get("authorization");
  const db = await getDb();
  if (header) {
    const key = parseAuthorizationHeader(header);
    if (!key) return detailResponse(401, "Invalid authorization header: use \"Token <key>\" or \"Bearer <key>\".");
    const actor = await authenticateToken(db, key);
    return actor ?? detailResponse(401, "Invalid token.");
  }
  const jwt = await readSessionJwt(req.cookies);
  if (jwt) {
    const actor = await actorForSession(db, jwt);
    if (actor) {
      // The cookie comes with every request the browser makes, whoever's page asks for it.
      assertSameOriginWrite(req, baseUrl);
      return actor;
    }
  }
  return detailResponse(401, "Authentication credentials were not provided.");
}

export function apiRoute(
  permission: Permission,
  handler: (r: ApiRequest) => Promise<Response>,
): (req: NextRequest, context: RouteContext) => Promise<Response> {
  return async (req, context) => {
    const requestId = randomUUID();
    try {
      // A body declared over the limit is refused before anything else, unread (even anonymously).
      assertDeclaredLengthWithin(req, apiBodyLimit());
      const baseUrl = requestBaseUrl(req);
      const auth = await authenticate(req, baseUrl);
      if (auth instanceof Response) {
        auth.headers.set("X-Request-ID", requestId);
        auth.headers.set("WWW-Authenticate", 'Token realm="api"');
        return auth;
      }
      authorize(auth, permission);
      const rawParams = context?.params ? await context.params : {};
      const params = Object.fromEntries(Object.entries(rawParams).map(([k, v]) => [k, Array.isArray(v) ? v.join("/") : v]));
      const ctx = createContext(await getDb(), auth, { requestId });
      const res = await handler({ req, ctx, actor: auth, baseUrl, params, requestId });
      res.headers.set("X-Request-ID", requestId);
      return res;
    } catch (err) {
      return errorResponse(err, requestId);
    }
  };
}

/** The deepest nesting a request body may have: no write body here goes beyond a few levels. */
export const MAX_JSON_DEPTH = 64;

/** Whether a parsed JSON value nests deeper than `max` (walked with a stack, not recursion). */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** The body's text within the size limit (413 beyond), which must be JSON if it is not empty (415). */
async function readJsonText(req: Request): Promise<string> {
  const text = await readBodyText(req, apiBodyLimit());
  assertJsonBody(req, text);
  return text;
}

/**
 * The request body as a JSON value; malformed JSON is a 400 (SPEC §6). So is a body nested
 * absurdly deep: JSON.parse accepts one, but validation walks bodies recursively and would
 * overflow the stack (a 500).
 */
export async function readJsonBody(req: Request): Promise<unknown> {
  return parseJsonBody(await readJsonText(req));
}

function parseJsonBody(text: string): unknown {
  if (text.trim() === "") throw new AppError("bad_request", "JSON parse error - the request body is empty.");
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    throw new AppError("bad_request", `JSON parse error - ${(err as Error).message}`);
  }
  if (nestsDeeperThan(value, MAX_JSON_DEPTH)) throw new AppError("bad_request", `JSON parse error - the request body nests deeper than ${MAX_JSON_DEPTH} levels.`);
  return value;
}

/** Like readJsonBody, but an empty body is `{}` (for action endpoints whose fields are all optional). */
export async function readOptionalJsonBody(req: Request): Promise<unknown> {
  const text = await readJsonText(req);
  return text.trim() === "" ? {} : parseJsonBody(text);
}

/** A positive integer id from the URL, or a 404 (an id that cannot exist is "not found"). */
export function idParam(params: Record<string, string>, name = "id"): number {
  const raw = params[name] ?? "";
  if (!/^\d{1,10}$/.test(raw) || Number(raw) < 1 || Number(raw) > 2147483647) throw new AppError("not_found", "Not found.");
  return Number(raw);
}
