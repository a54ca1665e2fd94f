import { getEnv } from "@/env";

// A tiny structured logger. It never receives secrets: callers pass ids and names, not objects
// that could hold token secrets or passwords.
type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** No value or line grows the log without bound (issue 17: a 1.4 MB line from a failed bulk delete). */
export const MAX_LOG_VALUE = 1000;
export const MAX_LOG_LINE = 8192;

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…[${s.length - max} more characters]`;
}

/** Fields with every string shortened; other values kept if their JSON is short, else shortened as JSON. */
function bounded(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === "string") out[k] = cut(v, MAX_LOG_VALUE);
    else if (v === null || typeof v !== "object") out[k] = v;
    else {
      let json: string;
      try {
        json = JSON.stringify(v) ?? "";
      } catch {
        json = String(v);
      }
      out[k] = json.length <= MAX_LOG_VALUE ? v : cut(json, MAX_LOG_VALUE);
    }
  }
  return out;
}

function emit(level: Level, msg: string, fields?: Record<string, unknown>) {
  let threshold: number;
  try {
    threshold = ORDER[getEnv().LOG_LEVEL];
  } catch {
    threshold = ORDER.info;
  }
  if (ORDER[level] < threshold) return;
  const text = cut(msg, MAX_LOG_VALUE);
  const line = cut(fields && Object.keys(fields).length ? `${text} ${JSON.stringify(bounded(fields))}` : text, MAX_LOG_LINE);
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
