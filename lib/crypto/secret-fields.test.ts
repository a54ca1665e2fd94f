import { describe, expect, it } from "vitest";
import { assertNoSecrets } from "@/lib/git/objects";
import { stripSecrets } from "@/lib/services/changelog/record";
import { isSecretField } from "./secret-fields";

// One list of secret fields serves the change log and the Git history: both refuse the same names.

const SECRET = [
  "token_secret",
  "token_secret_encrypted",
  "tokenSecret",
  "tokenSecretEncrypted",
  "proxbox_api_key",
  "proxbox_api_key_encrypted",
  "proxboxApiKey",
  "proxboxApiKeyEncrypted",
  "password",
  "password_hash",
  "passwordHash",
  "key",
  "key_hash",
  "keyHash",
];
const ORDINARY = ["token_id", "tokenId", "has_token_secret", "has_proxbox_api_key", "authid", "fingerprint", "keys", "monkey", "name", "web_url", "description"];

describe("secret fields", () => {
  it("are the same for the change log and for Git, in snake_case and camelCase", () => {
    for (const k of SECRET) {
      expect(isSecretField(k), k).toBe(true);
      expect(stripSecrets({ [k]: "s", name: "x" }), k).toEqual({ name: "x" });
      expect(() => assertNoSecrets({ nested: [{ [k]: "s" }] }, "x.json"), k).toThrow(/secret field/);
    }
    for (const k of ORDINARY) {
      expect(isSecretField(k), k).toBe(false);
      expect(stripSecrets({ [k]: "v" }), k).toEqual({ [k]: "v" });
      expect(() => assertNoSecrets({ [k]: "v" }, "x.json"), k).not.toThrow();
    }
  });
});
