import net from "node:net";
import { z } from "zod";

// Shared field validators (SPEC §2): one definition for the services, the API and the UI forms.

const FINGERPRINT_HEX = /^[0-9a-f]{64}$/;
/** Canonical but for case (PVE and PDM show fingerprints in capitals; people paste them so). */
const FINGERPRINT_COLONS = /^[0-9a-f]{2}(?::[0-9a-f]{2}){31}$/i;

/** SHA-256 fingerprint: 32 bytes of hex, colons optional, any case → lowercase colon-separated. */
export function normalizeFingerprint(input: string): string | null {
  // Most values (PDM's own output) are colon-separated already, in either case: the sync parses thousands per run.
  if (FINGERPRINT_COLONS.test(input)) return input.toLowerCase();
  const hex = input.trim().toLowerCase().replace(/:/g, "");
  if (!FINGERPRINT_HEX.test(hex)) return null;
  let out = hex.slice(0, 2);
  for (let i = 2; i < 64; i += 2) out += ":" + hex.slice(i, i + 2);
  return out;
}

const DNS_LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i;

/** A DNS name, IPv4 or IPv6 address (IPv6 may come bracketed; stored without brackets). */
export function normalizeHost(input: string): string | null {
  let host = input.trim();
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (!host || host.length > 253) return null;
  if (net.isIP(host)) return host;
  if (host.includes(":")) return null;
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  const labels = name.split(".");
  if (labels.every((l) => DNS_LABEL.test(l)) && !/^[0-9.]+$/.test(name)) return name;
  return null;
}

export const MSG = {
  required: "This field is required.",
  host: "Enter a valid DNS name, IPv4 or IPv6 address.",
  fingerprint: "Enter a SHA-256 fingerprint: 32 bytes in hex, colons optional (e.g. aa:bb:…).",
  slug: "Enter a valid slug: lowercase letters, numbers, underscores or hyphens.",
  tokenId: "Enter a PDM API token id of the form user@realm!tokenname.",
} as const;

export const zName = z.string(MSG.required).trim().min(1, MSG.required).max(100, "Ensure this field has no more than 100 characters.");
export const zSlug = z
  .string(MSG.required)
  .trim()
  .min(1, MSG.required)
  .max(100, "Ensure this field has no more than 100 characters.")
  .regex(/^[a-z0-9_-]+$/, MSG.slug);
export const zDescription = z.string("Enter text.").max(2000, "Ensure this field has no more than 2000 characters.");

export const zHost = z
  .string(MSG.required)
  .transform((v, ctx) => {
    const host = normalizeHost(v);
    if (host === null) {
      ctx.addIssue({ code: "custom", message: v.trim() === "" ? MSG.required : MSG.host });
      return z.NEVER;
    }
    return host;
  });

export const zPort = z
  .number("Enter a whole number between 1 and 65535.")
  .int("Enter a whole number between 1 and 65535.")
  .min(1, "Ensure this value is greater than or equal to 1.")
  .max(65535, "Ensure this value is less than or equal to 65535.");

/** Optional fingerprint: null or "" clears it. */
export const zFingerprint = z
  .string(MSG.fingerprint)
  .nullable()
  .transform((v, ctx) => {
    if (v === null || v.trim() === "") return null;
    const fp = normalizeFingerprint(v);
    if (fp === null) {
      ctx.addIssue({ code: "custom", message: MSG.fingerprint });
      return z.NEVER;
    }
    return fp;
  });

// PDM token ids: user@realm!tokenname; realm and token name are SAFE_ID (pdm-api.md §2.1).
const SAFE_ID = "[A-Za-z0-9_][A-Za-z0-9._-]*";
export const TOKEN_ID_RE = new RegExp(`^[^\\s:/@!\\x00-\\x1f\\x7f]+@${SAFE_ID}!${SAFE_ID}$`);
export const zTokenId = z.string(MSG.required).trim().min(1, MSG.required).max(255).regex(TOKEN_ID_RE, MSG.tokenId);

/** The largest id a row can have (ids are PostgreSQL `integer`s). */
export const MAX_ROW_ID = 2147483647;

/** Whether `id` can be a row's id; any other number is simply not found (never a database error). */
export function isRowId(id: number): boolean {
  return Number.isSafeInteger(id) && id > 0 && id <= MAX_ROW_ID;
}

/** A reference to another object by id (null clears it where allowed). */
export const zRefId = z
  .number("Expected an object id (integer).")
  .int("Expected an object id (integer).")
  .positive("Expected an object id (integer).")
  .max(MAX_ROW_ID, "Expected an object id (integer).");

export const zHttpUrl = z.string().trim().max(500).refine((v) => {
  if (v === "") return true;
  try {
    const u = new URL(v);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}, "Enter a valid http(s) URL, or leave it empty.");

/** A valid single Git ref path component (git check-ref-format rules that apply to one component). */
export function isValidRefComponent(s: string): boolean {
  return (
    s.length > 0 &&
    s.length <= 100 &&
    !s.startsWith(".") &&
    !s.startsWith("-") &&
    !s.endsWith(".lock") &&
    !s.endsWith(".") &&
    !s.includes("..") &&
    !s.includes("@{") &&
    s !== "@" &&
     
    !/[\x00-\x20\x7f~^:?*[\\/]/.test(s)
  );
}
