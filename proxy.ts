import { NextResponse, type NextRequest } from "next/server";
import { readSessionJwt } from "@/lib/auth/jwt";

// Convenience only: sends anonymous visitors of pages to the sign-in page. Every page, action and
// route handler still checks the session or token itself (house style rule 16).
export async function proxy(req: NextRequest) {
  // The cookie by the name it was written with (plain, or __Secure- behind an https proxy).
  const token = await readSessionJwt(req.cookies);
  if (token) return NextResponse.next();
  const url = req.nextUrl.clone();
  const callbackUrl = req.nextUrl.pathname + req.nextUrl.search;
  url.pathname = "/login/";
  url.search = callbackUrl && callbackUrl !== "/" ? `?callbackUrl=${encodeURIComponent(callbackUrl)}` : "";
  return NextResponse.redirect(url);
}

export const config = {
  // Pages only: the API answers 401 itself, and the sign-in page and static assets are public.
  matcher: ["/((?!api/|login|_next/|favicon.ico|fonts/).*)"],
};
