import { type AppError, isAppError } from "@/lib/errors";
import { log } from "@/lib/log";
import { pgDataError, pgStatementTimeout } from "@/lib/services/crud";

/** NetBox-style API version string (SPEC §6): what NetBox clients feature-detect against. */
export const API_VERSION = "4.6";

export function apiHeaders(requestId?: string): Record<string, string> {
  return {
    "API-Version": API_VERSION,
    ...(requestId ? { "X-Request-ID": requestId } : {}),
    "Cache-Control": "no-store",
  };
}

export function jsonResponse(data: unknown, status = 200, requestId?: string, extra: Record<string, string> = {}): Response {
  if (status === 204) return new Response(null, { status, headers: { ...apiHeaders(requestId), ...extra } });
  return jsonBytesResponse(jsonBytes(data), status, requestId, extra);
}

/** A JSON value encoded once, as the response body. */
export function jsonBytes(data: unknown): Buffer<ArrayBuffer> {
  return Buffer.from(JSON.stringify(data), "utf8");
}

/** A response whose JSON body is already encoded (the Response copies it: the buffer may be reused). */
export function jsonBytesResponse(body: Buffer<ArrayBuffer>, status = 200, requestId?: string, extra: Record<string, string> = {}): Response {
  // With its length, the server writes headers and body together, unchunked.
  return new Response(body, {
    status,
    headers: { "Content-Type": "application/json", "Content-Length": String(body.length), ...apiHeaders(requestId), ...extra },
  });
}

export function detailResponse(status: number, detail: string, requestId?: string, extra: Record<string, unknown> = {}): Response {
  return jsonResponse({ detail, ...extra }, status, requestId);
}

const DETAILS: Partial<Record<AppError["code"], string>> = { not_found: "Not found." };

/** Any thrown value → a DRF-shaped response; unexpected errors are logged and answered without internals. */
export function errorResponse(err: unknown, requestId?: string): Response {
  if (isAppError(err)) {
    if (err.code === "validation") return jsonResponse(err.fields ?? { non_field_errors: [err.message] }, 400, requestId);
    if (err.code === "not_found") return detailResponse(404, DETAILS.not_found!, requestId);
    if (err.status >= 500) log.error("request failed", { requestId, code: err.code, message: err.message });
    return detailResponse(err.status, err.message, requestId, err.details ?? {});
  }
  // A data exception from PostgreSQL means the request held a value it cannot take: a 400.
  if (pgDataError(err)) return detailResponse(400, "A value in the request is out of range or not valid for its field.", requestId);
  // DB_STATEMENT_TIMEOUT_MS ran out: the request was cut off rather than left to hold a connection.
  if (pgStatementTimeout(err)) {
    log.warn("database statement timed out", { requestId });
    return detailResponse(503, "The database did not answer in time; try again, or ask for less (filters, a smaller page).", requestId, {});
  }
  log.error("unhandled error in API request", {
    requestId,
    error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
  });
  return detailResponse(500, "An unexpected error occurred. It has been logged; see the server log for the request id.", requestId);
}
