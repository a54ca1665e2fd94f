import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { getEnv } from "@/env";

const KEY_FILE = "secret.key";

/**
 * The app key: SECRET_KEY, else a random key generated once into DATA_DIR (mode 0600).
 * Everything secret (stored secrets, session signing) is derived from it.
 */
export function loadAppKey(): string {
  const env = getEnv();
  if (env.SECRET_KEY) return env.SECRET_KEY;
  const file = path.join(env.dataDir, KEY_FILE);
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  fs.mkdirSync(env.dataDir, { recursive: true });
  const key = crypto.randomBytes(48).toString("base64url");
  try {
    fs.writeFileSync(file, key + "\n", { mode: 0o600, flag: "wx" });
    return key;
  } catch (err) {
    // Another process won the race: use its key.
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return fs.readFileSync(file, "utf8").trim();
    throw err;
  }
}

/** A purpose-bound 32-byte subkey, so the session secret and the encryption key never coincide. */
export function deriveKey(appKey: string, purpose: string): Buffer {
  return Buffer.from(crypto.hkdfSync("sha256", Buffer.from(appKey, "utf8"), Buffer.alloc(0), `netbox-pdm/${purpose}`, 32));
}

export function sessionSecret(): string {
  return deriveKey(loadAppKey(), "session/v1").toString("base64url");
}
