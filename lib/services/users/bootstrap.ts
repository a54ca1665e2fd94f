import crypto from "node:crypto";
import { count, eq } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { users } from "@/db/schema";
import { getEnv } from "@/env";
import { TOKEN_KEY_RE } from "@/lib/auth/token-keys";
import { log } from "@/lib/log";
import { createContext, SYSTEM_ACTOR } from "../context";
import { createToken, tokenKeyExists } from "../tokens";
import { userService } from ".";

export interface BootstrapResult {
  createdUser: string | null;
  /** Only when a random password was generated; printed once by the caller. */
  generatedPassword: string | null;
  createdToken: boolean;
}

/**
 * First-start accounts (SPEC §8), idempotent on every start. The values of SUPERUSER_PASSWORD and
 * SUPERUSER_API_TOKEN are never printed or logged.
 */
export async function bootstrapAccounts(db: Executor): Promise<BootstrapResult> {
  const env = getEnv();
  const ctx = createContext(db, SYSTEM_ACTOR);
  const result: BootstrapResult = { createdUser: null, generatedPassword: null, createdToken: false };
  if (env.SUPERUSER_NAME && env.SUPERUSER_PASSWORD) {
    let [user] = await db.select({ id: users.id }).from(users).where(eq(users.username, env.SUPERUSER_NAME)).limit(1);
    if (!user) {
      const rec = await userService.create(ctx, {
        username: env.SUPERUSER_NAME,
        password: env.SUPERUSER_PASSWORD,
        role: "admin",
        is_active: true,
      });
      user = { id: rec.id };
      result.createdUser = rec.username;
      log.info(`Created superuser "${rec.username}" from SUPERUSER_NAME / SUPERUSER_PASSWORD.`);
    }
    if (env.SUPERUSER_API_TOKEN) {
      if (!TOKEN_KEY_RE.test(env.SUPERUSER_API_TOKEN)) {
        log.warn("SUPERUSER_API_TOKEN ignored: a token is exactly 40 letters and digits.");
      } else if (!(await tokenKeyExists(db, env.SUPERUSER_API_TOKEN))) {
        await createToken(ctx, { user: user.id, write_enabled: true, description: "SUPERUSER_API_TOKEN" }, { key: env.SUPERUSER_API_TOKEN });
        result.createdToken = true;
        log.info(`Created the write-enabled API token from SUPERUSER_API_TOKEN for "${env.SUPERUSER_NAME}".`);
      }
    }
    return result;
  }
  const [{ n } = { n: 0 }] = await db.select({ n: count() }).from(users);
  if (Number(n) > 0) return result;
  const password = crypto.randomBytes(12).toString("base64url");
  const rec = await userService.create(ctx, { username: "admin", password, role: "admin", is_active: true });
  result.createdUser = rec.username;
  result.generatedPassword = password;
  return result;
}
