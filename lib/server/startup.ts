import { getDbHandle } from "@/db";
import { getEnv, workflowEngineMode } from "@/env";
import { log } from "@/lib/log";
import { restrictUmask, secureDataDir } from "@/lib/server/data-dir";
import { bootstrapAccounts } from "@/lib/services/users/bootstrap";

const g = globalThis as typeof globalThis & { __netboxPdmStarted?: Promise<void> };

/**
 * Everything `npm start` does before serving (SPEC §10): open the database (refusing a PGlite
 * directory another process holds), apply pending migrations, create first-start accounts.
 */
export function startServer(): Promise<void> {
  g.__netboxPdmStarted ??= (async () => {
    const env = getEnv();
    // Owner-only: DATA_DIR before anything is created in it, and what the database created.
    restrictUmask();
    secureDataDir(env.dataDir, { recursive: false });
    const handle = await getDbHandle();
    const fixed = secureDataDir(env.dataDir).changed;
    if (fixed) log.info(`Data directory: ${fixed} files and directories made owner-only.`);
    log.info(`Database: ${handle.kind} (${handle.location}); migrations applied.`);
    const boot = await bootstrapAccounts(handle.db);
    if (boot.generatedPassword) {
      // Printed exactly once, when the account is created; never logged again.
      console.log(
        [
          "",
          "================================================================",
          "  No users existed, so an admin account was created:",
          `    username: ${boot.createdUser}`,
          `    password: ${boot.generatedPassword}`,
          "  This password is shown only now. Change it after signing in,",
          "  or set SUPERUSER_NAME / SUPERUSER_PASSWORD before first start.",
          "================================================================",
          "",
        ].join("\n"),
      );
    }
    log.info(`Workflow engine: ${workflowEngineMode(env)}. Data directory: ${env.dataDir}.`);
  })();
  return g.__netboxPdmStarted;
}

/** For `npm start`: a server that cannot open its database must not pretend to run. */
export async function startServerOrExit(): Promise<void> {
  try {
    await startServer();
  } catch (err) {
    console.error(`\nnetbox-pdm cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
