import crypto from "node:crypto";
import { AppError } from "@/lib/errors";
import { deriveKey, loadAppKey } from "./app-key";

const VERSION = "v1";

/**
 * AES-256-GCM for stored secrets (PDM token secrets, the proxbox API key).
 * Format: `v1.<iv>.<tag>.<ciphertext>`, base64url parts; a fresh 96-bit IV per value.
 */
export class SecretBox {
  private readonly key: Buffer;
  constructor(appKey: string) {
    this.key = deriveKey(appKey, "secrets/v1");
  }

  encrypt(plaintext: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv("aes-256-gcm", this.key, iv);
    const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv.toString("base64url"), tag.toString("base64url"), ct.toString("base64url")].join(".");
  }

  /** `what` names the object in the error, e.g. `the token secret of PDM endpoint "pdm1"`. */
  decrypt(blob: string, what: string): string {
    const parts = blob.split(".");
    if (parts.length !== 4 || parts[0] !== VERSION) throw unreadable(what);
    try {
      const [, iv, tag, ct] = parts as [string, string, string, string];
      const decipher = crypto.createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
    } catch {
      throw unreadable(what);
    }
  }
}

function unreadable(what: string): AppError {
  return new AppError(
    "secret_unreadable",
    `Cannot decrypt ${what}: the app key (SECRET_KEY or DATA_DIR/secret.key) has changed since it was stored. ` +
      `Restore the old key, or enter the secret again.`,
  );
}

let cached: { appKey: string; box: SecretBox } | undefined;

export function getSecretBox(): SecretBox {
  const appKey = loadAppKey();
  if (!cached || cached.appKey !== appKey) cached = { appKey, box: new SecretBox(appKey) };
  return cached.box;
}
