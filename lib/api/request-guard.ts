import { getEnv } from "@/env";
import { AppError } from "@/lib/errors";

// What a request must be before the API reads or acts on it (SPEC §6, issue 17): a body within the
// size limit (413, refused from its declared length before a byte is read), a JSON body (415), and
// a cookie-authenticated write from the app's own origin (CSRF: a page on another origin — another
// port of the same host included — can make the browser send the session cookie, but not an
// Origin header of ours, nor a JSON content type without a CORS preflight we never grant).

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase());
}

/** `application/json` or any `application/*+json`, parameters (charset) ignored. */
export function isJsonContentType(contentType: string | null): boolean {
  if (!contentType) return false;
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(type);
}

function mediaTypeOf(contentType: string | null): string {
  return contentType ? contentType.split(";")[0]!.trim().slice(0, 100) : "";
}

function tooLarge(limit: number): AppError {
  return new AppError("payload_too_large", `Request body too large: the limit is ${limit} bytes.`);
}

/** The declared Content-Length, when there is a valid one. */
function declaredLength(req: Request): number | null {
  const raw = req.headers.get("content-length");
  return raw !== null && /^\s*\d{1,16}\s*$/.test(raw) ? Number(raw) : null;
}

/** Refuses a body whose declared length exceeds `limit` (413) without reading any of it. */
export function assertDeclaredLengthWithin(req: Request, limit: number): void {
  const n = declaredLength(req);
  if (n !== null && n > limit) throw tooLarge(limit);
}

/**
 * The body as text, read as a stream and abandoned as soon as it passes `limit` (a chunked body
 * declares no length): never more than `limit` bytes are held.
 */
export async function readBodyText(req: Request, limit: number): Promise<string> {
  assertDeclaredLengthWithin(req, limit);
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function apiBodyLimit(): number {
  return getEnv().API_MAX_BODY_BYTES;
}

/** A non-empty body must be JSON (DRF's JSONParser: anything else is 415). */
export function assertJsonBody(req: Request, text: string): void {
  if (text.trim() === "" || isJsonContentType(req.headers.get("content-type"))) return;
  const type = mediaTypeOf(req.headers.get("content-type"));
  throw new AppError("unsupported_media_type", type ? `Unsupported media type "${type}" in request: send application/json.` : "Missing Content-Type: send application/json.");
}

/** The origins this app is served on: where the request arrived (as the proxy reports it) and NEXTAUTH_URL. */
function ownOrigins(req: Request, baseUrl: string): Set<string> {
  const origins = new Set([baseUrl, new URL(req.url).origin]);
  const configured = getEnv().NEXTAUTH_URL;
  if (configured) {
    try {
      origins.add(new URL(configured).origin);
    } catch {
      // an unparseable NEXTAUTH_URL names no origin
    }
  }
  return origins;
}

/**
 * A write authenticated by the session cookie must come from the app's own pages: an Origin of
 * ours (every browser sends one on POST, PUT, PATCH and DELETE) and, when it can carry a body, a
 * JSON content type. Token-authenticated requests are not subject to this (no ambient credential).
 */
export function assertSameOriginWrite(req: Request, baseUrl: string): void {
  if (isSafeMethod(req.method)) return;
  const origin = req.headers.get("origin");
  if (!origin) throw new AppError("forbidden", "CSRF Failed: Origin header missing. Browser sessions may only write from the app's own pages; scripts should use an API token.");
  if (!ownOrigins(req, baseUrl).has(origin)) throw new AppError("forbidden", `CSRF Failed: Origin checking failed - ${origin.slice(0, 200)} does not match the app's origin.`);
  const method = req.method.toUpperCase();
  if (method !== "DELETE" && !isJsonContentType(req.headers.get("content-type"))) {
    const type = mediaTypeOf(req.headers.get("content-type"));
    throw new AppError("unsupported_media_type", type ? `Unsupported media type "${type}" in request: send application/json.` : "Missing Content-Type: send application/json.");
  }
}
