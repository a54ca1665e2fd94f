import { getToken, type JWT } from "next-auth/jwt";
import { sessionSecret } from "@/lib/crypto/app-key";

// The session cookie, read by the name it was written with. next-auth names it
// `__Secure-next-auth.session-token` when it sees the app served over https (NEXTAUTH_URL, or
// X-Forwarded-Proto from a TLS-terminating proxy) and `next-auth.session-token` otherwise, while
// getToken() guesses the name from NEXTAUTH_URL alone: behind an https proxy without NEXTAUTH_URL
// it looked for the plain cookie and every signed-in request looked anonymous (a sign-in loop).

export const SESSION_COOKIE = "next-auth.session-token";
export const SECURE_SESSION_COOKIE = `__Secure-${SESSION_COOKIE}`;

/** Anything with the cookies of a request: NextRequest.cookies, next/headers cookies(). */
export interface CookieSource {
  getAll(): { name: string; value: string }[];
}

/** Whether `name` (or one of its chunks, `name.0`, `name.1`…: next-auth splits big tokens) is present. */
function hasCookie(cookies: CookieSource, name: string): boolean {
  return cookies.getAll().some((c) => c.name === name || c.name.startsWith(`${name}.`));
}

/** The decoded session token, or null: the secure cookie first (browsers send it over https only), then the plain one. */
export async function readSessionJwt(cookies: CookieSource): Promise<JWT | null> {
  const secret = sessionSecret();
  for (const secureCookie of [true, false]) {
    if (!hasCookie(cookies, secureCookie ? SECURE_SESSION_COOKIE : SESSION_COOKIE)) continue;
    // A plain headers object without `authorization`: getToken would otherwise take a Bearer
    // header for a session token.
    const token = await getToken({ req: { cookies, headers: {} } as never, secret, secureCookie });
    if (token) return token;
  }
  return null;
}
