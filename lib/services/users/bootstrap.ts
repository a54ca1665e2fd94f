import crypto from "node:crypto";
import { count, eq, sql } from "drizzle-orm";
import type { Executor } from "@/db/client";
import { users } from "@/db/schema";
import { getEnv } from "@/env";
import { TOKEN_KEY_RE } from "@/lib/auth/token-keys";
import { AppError, isAppError } from "@/lib/errors";
import { log } from "@/lib/log";
import { createContext, withTransaction, SYSTEM_ACTOR, type ServiceContext } from "../context";
import { createToken, tokenKeyExists } from "../tokens";
import { userService } from ".";

export interface BootstrapResult {
  createdUser: string | null;
  /** Only when a random password was generated; printed once by the caller. */
  generatedPassword: string | null;
  createdToken: boolean;
}

/** Any constant: the key of the advisory lock that serializes bootstraps across processes. */
const BOOTSTRAP_LOCK_KEY = 7_402_611_905;

/**
 * First-start accounts (SPEC §8), idempotent on every start. The values of SUPERUSER_PASSWORD and
 * SUPERUSER_API_TOKEN are never printed or logged.
 */
export async function bootstrapAccounts(db: Executor): Promise<BootstrapResult> {
  // Several app processes may start at once on one PostgreSQL: without the lock, each sees no
  // user, all but one fail on the unique username, and those fail to start.
  return withTransaction(createContext(db, SYSTEM_ACTOR), async (ctx) => {
    await ctx.db.execute(sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK_KEY}::bigint)`);
    return bootstrapLocked(ctx);
  });
}

async function bootstrapLocked(ctx: ServiceContext): Promise<BootstrapResult> {
  const env = getEnv();
  const db = ctx.db;
  const result: BootstrapResult = { createdUser: null, generatedPassword: null, createdToken: false };
  if (env.SUPERUSER_NAME && env.SUPERUSER_PASSWORD) {
    let [user] = await db.select({ id: users.id }).from(users).where(eq(users.username, env.SUPERUSER_NAME)).limit(1);
    if (!user) {
      const rec = await userService
        .create(ctx, {
          username: env.SUPERUSER_NAME,
          password: env.SUPERUSER_PASSWORD,
          role: "admin",
          is_active: true,
        })
        .catch((err: unknown) => {
          // Name the variables; the messages describe the rule broken, never the value.
          if (isAppError(err) && err.code === "validation")
            throw new AppError("bad_request", `SUPERUSER_NAME / SUPERUSER_PASSWORD rejected: ${err.message}`);
          throw err;
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
