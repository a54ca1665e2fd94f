import NextAuth from "next-auth";
import { NextRequest } from "next/server";
import { getEnv } from "@/env";
import { readBodyText } from "@/lib/api/request-guard";
import { isAppError } from "@/lib/errors";
import { getAuthOptions } from "@/lib/auth/options";

type Ctx = { params: Promise<{ nextauth: string[] }> };

/**
 * A POST body (sign-in, sign-out: small forms) within SIGNIN_MAX_BODY_BYTES, read before next-auth
 * sees the request: a larger one is refused with 413, from its declared length before a byte is read
 * (issue 17: 450 MB bodies to the credentials callback). Returns the request to hand on, or the 413.
 */
async function bounded(req: NextRequest): Promise<NextRequest | Response> {
  if (req.method !== "POST") return req;
  try {
    const text = await readBodyText(req, getEnv().SIGNIN_MAX_BODY_BYTES);
    return new NextRequest(req.url, { method: req.method, headers: req.headers, body: text });
  } catch (err) {
    if (isAppError(err) && err.code === "payload_too_large") return new Response(err.message, { status: 413, headers: { "Content-Type": "text/plain; charset=utf-8", Connection: "close" } });
    throw err;
  }
}

// next-auth's handlers, with options built at request time (the secret derives from the app key).
async function handler(req: NextRequest, ctx: Ctx) {
  const request = await bounded(req);
  if (request instanceof Response) return request;
  return NextAuth(request as never, ctx as never, getAuthOptions());
}

export { handler as GET, handler as POST };
