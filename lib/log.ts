import { getEnv } from "@/env";

// A tiny structured logger. It never receives secrets: callers pass ids and names, not objects
// that could hold token secrets or passwords.
type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

function emit(level: Level, msg: string, fields?: Record<string, unknown>) {
  let threshold: number;
  try {
    threshold = ORDER[getEnv().LOG_LEVEL];
  } catch {
    threshold = ORDER.info;
  }
  if (ORDER[level] < threshold) return;
  const line = fields && Object.keys(fields).length ? `${msg} ${JSON.stringify(fields)}` : msg;
  const out = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${line}`;
  if (level === "error" || level === "warn") console.error(out);
  else console.log(out);
}

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => emit("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => emit("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => emit("warn", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => emit("error", msg, fields),
};
