import path from "node:path";
import { z } from "zod";

// The only reader of process.env (house style rule 21). Read lazily so tests and scripts can set
// variables before first use; empty strings count as unset.
const emptyAsUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgres:// or postgresql:// URL")
      .optional(),
  ),
  DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default("./data")),
  SECRET_KEY: z.preprocess(emptyAsUndefined, z.string().min(16, "SECRET_KEY must be at least 16 characters").optional()),
  PORT: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).max(65535).default(3000)),
  NEXTAUTH_URL: optionalString,
  INNGEST_BASE_URL: optionalString,
  INNGEST_DEV: optionalString,
  INNGEST_EVENT_KEY: optionalString,
  INNGEST_SIGNING_KEY: optionalString,
  INNGEST_DASHBOARD_URL: optionalString,
  SUPERUSER_NAME: optionalString,
  SUPERUSER_PASSWORD: optionalString,
  SUPERUSER_API_TOKEN: optionalString,
  LOG_LEVEL: z.preprocess(emptyAsUndefined, z.enum(["debug", "info", "warn", "error", "silent"]).default("info")),
  // Limits (README "Security"): request bodies are refused with 413 beyond these, before reading.
  API_MAX_BODY_BYTES: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1024).default(10 * 1024 * 1024)),
  SIGNIN_MAX_BODY_BYTES: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1024).default(1024 * 1024)),
  /** Every PostgreSQL statement is cancelled after this long (0 = no limit). */
  DB_STATEMENT_TIMEOUT_MS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).default(30_000)),
  /** The most rows one CSV export may hold. */
  EXPORT_MAX_ROWS: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(1).default(100_000)),
  /**
   * Reverse proxies whose X-Forwarded-For names the client: comma-separated addresses or CIDR
   * ranges, "loopback" (default) or "none".
   */
  TRUST_PROXY: z.preprocess(emptyAsUndefined, z.string().default("loopback")),
});

export type Env = z.infer<typeof envSchema> & { dataDir: string };

let cached: { source: NodeJS.ProcessEnv; snapshot: string; env: Env } | undefined;

export function getEnv(): Env {
  const snapshot = JSON.stringify(
    Object.keys(envSchema.shape).map((k) => [k, process.env[k]]),
  );
  if (cached && cached.snapshot === snapshot) return cached.env;
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const env = { ...parsed.data, dataDir: path.resolve(parsed.data.DATA_DIR) };
  cached = { source: process.env, snapshot, env };
  return env;
}

/** Inngest server mode when any of its variables is set (SPEC §4.1); otherwise the embedded runner. */
export function workflowEngineMode(env: Env = getEnv()): "inngest" | "embedded" {
  return env.INNGEST_BASE_URL || env.INNGEST_DEV || env.INNGEST_EVENT_KEY ? "inngest" : "embedded";
}
