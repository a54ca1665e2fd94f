import crypto from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const TOKEN_KEY_RE = /^[A-Za-z0-9]{40}$/;

/** A new API token key: 40 alphanumerics (SPEC §8), ~238 bits. */
export function generateTokenKey(): string {
  let out = "";
  for (let i = 0; i < 40; i++) out += ALPHABET[crypto.randomInt(ALPHABET.length)];
  return out;
}

/** Keys are high-entropy, so a plain SHA-256 is a sound one-way store (no salt needed). */
export function hashTokenKey(key: string): string {
  return crypto.createHash("sha256").update(key, "utf8").digest("hex");
}

/** Accepts `Token <key>` and `Bearer <key>` (SPEC §6). */
export function parseAuthorizationHeader(header: string | null): string | null {
  if (!header) return null;
  const m = /^(Token|Bearer)\s+(\S+)\s*$/i.exec(header.trim());
  return m ? m[2]! : null;
}
