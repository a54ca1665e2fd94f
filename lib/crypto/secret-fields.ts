// The fields that hold a secret or what checks one (SPEC §2.1, §8): never in the change log
// (SPEC §7), never in the Git history (SPEC §5). One list for both. API bodies, snapshots and
// change-log data spell fields in snake_case, database rows in camelCase; a field is secret when,
// in snake_case, it is one of these or one of these followed by `_…` (`token_secret_encrypted`,
// `password_hash`, `key_hash`).
const SECRET_FIELDS = ["token_secret", "proxbox_api_key", "password", "key"] as const;

/** Answers by field name: an inventory has a few dozen, each in thousands of objects. */
const known = new Map<string, boolean>();

export function isSecretField(name: string): boolean {
  let secret = known.get(name);
  if (secret === undefined) {
    const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    secret = SECRET_FIELDS.some((s) => snake === s || snake.startsWith(`${s}_`));
    if (known.size < 10_000) known.set(name, secret);
  }
  return secret;
}
