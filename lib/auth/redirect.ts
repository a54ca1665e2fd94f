// Where to go after signing in (issue 17): only a path of this app. Browsers read `/\host/` and
// `/<TAB>/host/` as `//host/` (they turn backslashes into slashes and drop tabs and newlines),
// so a prefix check on the raw value is not enough; and a CR/LF would break the Location header.

const BASE = "http://netbox-pdm.invalid";
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A same-origin path (with its query and fragment) as the browser would resolve it, or "/". */
export function safeCallbackPath(raw: unknown): string {
  const value = Array.isArray(raw) ? (raw[0] as unknown) : raw;
  if (typeof value !== "string" || value.length > 2000 || CONTROL.test(value)) return "/";
  // Only paths: not a scheme, not a protocol-relative URL (in any spelling of its slashes).
  if (!value.startsWith("/") || /^[/\\]{2}/.test(value)) return "/";
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return "/";
  }
  if (url.origin !== BASE) return "/";
  const path = url.pathname + url.search + url.hash;
  // The resolved path must itself be unambiguous (e.g. `/%2F%2Fhost` stays a path, `//host` does not).
  return path.startsWith("/") && !path.startsWith("//") ? path : "/";
}
