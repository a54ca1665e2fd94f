import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { apiTokens, objectChanges, users } from "@/db/schema";
import { parseAuthorizationHeader } from "@/lib/auth/token-keys";
import { ctxFor, describeEachDb, uniq, VIEWER } from "@/tests/db";
import { createToken, authenticateToken, deleteToken, listTokens } from "./tokens";
import { authenticateUser, userService } from "./users";
import { bootstrapAccounts } from "./users/bootstrap";

describe("Authorization header", () => {
  it("accepts Token and Bearer, nothing else", () => {
    const key = "a".repeat(40);
    expect(parseAuthorizationHeader(`Token ${key}`)).toBe(key);
    expect(parseAuthorizationHeader(`Bearer ${key}`)).toBe(key);
    expect(parseAuthorizationHeader(`bearer   ${key}`)).toBe(key);
    expect(parseAuthorizationHeader(`Basic ${key}`)).toBeNull();
    expect(parseAuthorizationHeader(key)).toBeNull();
    expect(parseAuthorizationHeader(null)).toBeNull();
  });
});

/** Collects console and raw stdout/stderr output until restored. */
function captureOutput(): { text(): string; restore(): void } {
  const out: string[] = [];
  const push = (...a: unknown[]) => void out.push(a.map(String).join(" "));
  const spies = [
    vi.spyOn(console, "log").mockImplementation(push),
    vi.spyOn(console, "info").mockImplementation(push),
    vi.spyOn(console, "warn").mockImplementation(push),
    vi.spyOn(console, "error").mockImplementation(push),
    vi.spyOn(console, "debug").mockImplementation(push),
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (push(String(chunk)), true)),
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => (push(String(chunk)), true)),
  ];
  return {
    text: () => out.join("\n"),
    restore: () => spies.forEach((s) => s.mockRestore()),
  };
}

describeEachDb("accounts", (get) => {
  describe("users and passwords", () => {
    it("stores scrypt hashes and authenticates", async () => {
      const ctx = ctxFor(get());
      const username = uniq("u");
      const u = await userService.create(ctx, { username, password: "correct horse battery", role: "editor" });
      expect(JSON.stringify(u)).not.toContain("correct horse");
      const [row] = await get().handle.db.select().from(users).where(eq(users.id, u.id));
      expect(row!.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
      expect(row!.passwordHash).not.toContain("correct horse");
      expect(await authenticateUser(get().handle.db, username, "correct horse battery")).toMatchObject({ id: u.id, role: "editor" });
      expect(await authenticateUser(get().handle.db, username, "wrong password")).toBeNull();
      expect(await authenticateUser(get().handle.db, "nobody-" + username, "x")).toBeNull();
      await userService.update(ctx, u.id, { is_active: false }, { partial: true });
      expect(await authenticateUser(get().handle.db, username, "correct horse battery")).toBeNull();
      const log = JSON.stringify(await get().handle.db.select().from(objectChanges).where(eq(objectChanges.changedObjectId, u.id)));
      expect(log).not.toContain("correct horse");
      expect(log).not.toContain("scrypt$");
    });
  });

  describe("API tokens", () => {
    it("40 alphanumerics, shown once, stored hashed; read-only, expired and wrong tokens", async () => {
      const ctx = ctxFor(get());
      const owner = await userService.create(ctx, { username: uniq("tok"), password: "password123", role: "editor" });
      const ownerCtx = { ...ctx, actor: { kind: "user" as const, userId: owner.id, username: owner.username, role: owner.role, writeEnabled: true } };
      const { token, key } = await createToken(ownerCtx, { description: "ci", write_enabled: false });
      expect(key).toMatch(/^[A-Za-z0-9]{40}$/);
      expect(JSON.stringify(token)).not.toContain(key);
      const [row] = await get().handle.db.select().from(apiTokens).where(eq(apiTokens.id, token.id));
      expect(row!.keyHash).not.toContain(key);
      const actor = await authenticateToken(get().handle.db, key);
      expect(actor).toMatchObject({ kind: "token", userId: owner.id, role: "editor", writeEnabled: false });
      expect(await authenticateToken(get().handle.db, key.slice(0, 39) + (key.endsWith("A") ? "B" : "A"))).toBeNull();
      expect(await authenticateToken(get().handle.db, "short")).toBeNull();
      // Expired.
      const soon = await createToken(ownerCtx, { expires: new Date(Date.now() + 60_000).toISOString() });
      await get().handle.db.update(apiTokens).set({ expires: new Date(Date.now() - 1000) }).where(eq(apiTokens.id, soon.token.id));
      expect(await authenticateToken(get().handle.db, soon.key)).toBeNull();
      // People see only their own tokens; admins see all.
      const mine = await listTokens(ownerCtx, { limit: 1000 });
      expect(mine.results.every((t) => t.user.id === owner.id)).toBe(true);
      const someoneElse = await userService.create(ctx, { username: uniq("tok2"), password: "password123", role: "viewer" });
      const theirs = await createToken(ctx, { user: someoneElse.id, description: "theirs" });
      expect((await listTokens(ownerCtx, { limit: 1000 })).results.map((t) => t.id)).not.toContain(theirs.token.id);
      const all = await listTokens(ctxFor(get(), { ...VIEWER, role: "admin", userId: null }), { limit: 1000 });
      expect(all.results.map((t) => t.id)).toEqual(expect.arrayContaining([token.id, theirs.token.id]));
      const other = ctxFor(get(), { ...VIEWER, userId: 999999 });
      await expect(deleteToken(other, token.id)).rejects.toMatchObject({ code: "not_found" });
      await expect(createToken(ownerCtx, { user: 1 })).rejects.toMatchObject({ code: "forbidden" });
      await deleteToken(ownerCtx, token.id);
      expect(await authenticateToken(get().handle.db, key)).toBeNull();
    });
  });

  describe("bootstrap", () => {
    const saved = { ...process.env };
    beforeEach(() => {
      delete process.env.SUPERUSER_NAME;
      delete process.env.SUPERUSER_PASSWORD;
      delete process.env.SUPERUSER_API_TOKEN;
    });
    afterEach(() => {
      process.env = { ...saved };
    });

    it("creates the configured superuser and token once, never printing the secrets", async () => {
      const name = uniq("root");
      const password = "bootstrap-password-value";
      const token = "Z".repeat(20) + "9".repeat(20);
      process.env.SUPERUSER_NAME = name;
      process.env.SUPERUSER_PASSWORD = password;
      process.env.SUPERUSER_API_TOKEN = token;
      // Everything the process could print, with logging at its most verbose.
      process.env.LOG_LEVEL = "debug";
      const out = captureOutput();
      try {
        const first = await bootstrapAccounts(get().handle.db);
        const second = await bootstrapAccounts(get().handle.db);
        expect(first).toMatchObject({ createdUser: name, createdToken: true, generatedPassword: null });
        expect(second).toMatchObject({ createdUser: null, createdToken: false });
      } finally {
        out.restore();
      }
      expect(out.text()).toContain(`Created superuser "${name}"`);
      const rows = await get().handle.db.select().from(users).where(eq(users.username, name));
      expect(rows).toHaveLength(1);
      expect(rows[0]!.role).toBe("admin");
      expect(await authenticateToken(get().handle.db, token)).toMatchObject({ username: name, writeEnabled: true });
      expect(out.text()).not.toContain(password);
      expect(out.text()).not.toContain(token);
    });

    it("several processes starting at once: one admin, one token, and no start fails", async () => {
      const name = uniq("race");
      const token = "R".repeat(20) + "7".repeat(20);
      process.env.SUPERUSER_NAME = name;
      process.env.SUPERUSER_PASSWORD = "race-password-value";
      process.env.SUPERUSER_API_TOKEN = token;
      // On PostgreSQL each call gets its own pooled connection, like separate processes would.
      const results = await Promise.all([1, 2, 3, 4].map(() => bootstrapAccounts(get().handle.db)));
      expect(results.filter((r) => r.createdUser === name)).toHaveLength(1);
      expect(results.filter((r) => r.createdToken)).toHaveLength(1);
      expect(await get().handle.db.select().from(users).where(eq(users.username, name))).toHaveLength(1);
    });

    it("a SUPERUSER_PASSWORD the rules refuse is named in the error, its value never shown", async () => {
      process.env.SUPERUSER_NAME = uniq("weak");
      process.env.SUPERUSER_PASSWORD = "short7";
      const err = await bootstrapAccounts(get().handle.db).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/SUPERUSER_PASSWORD/);
      expect((err as Error).message).toMatch(/too short/);
      expect((err as Error).message).not.toContain("short7");
    });
  });
});

describe("bootstrap on an empty database", () => {
  it("creates an admin with a random password once", async () => {
    const { createTestDb } = await import("@/tests/db");
    const db = await createTestDb("pglite");
    try {
      delete process.env.SUPERUSER_NAME;
      delete process.env.SUPERUSER_PASSWORD;
      const first = await bootstrapAccounts(db.handle.db);
      expect(first.createdUser).toBe("admin");
      expect(first.generatedPassword).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(await authenticateUser(db.handle.db, "admin", first.generatedPassword!)).not.toBeNull();
      const second = await bootstrapAccounts(db.handle.db);
      expect(second).toEqual({ createdUser: null, generatedPassword: null, createdToken: false });
    } finally {
      await db.cleanup();
    }
  });
});
