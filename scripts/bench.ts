// `npm run bench [group…]`: every performance target of the issues, measured and printed beside its
// target. Each bench/*.ts module exports a BenchModule; results also go to bench-results/latest.json.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BenchModule, BenchResult } from "../bench/types";

process.env.LOG_LEVEL ??= "silent";
process.env.SECRET_KEY ??= "bench-secret-key-0123456789abcdef";
process.env.NEXT_TELEMETRY_DISABLED = "1";

function isBenchModule(v: unknown): v is BenchModule {
  return typeof v === "object" && v !== null && typeof (v as BenchModule).run === "function" && typeof (v as BenchModule).group === "string";
}

function fmt(v: number, unit: string): string {
  const n = unit === "ms" ? v.toFixed(v < 10 ? 2 : 0) : unit === "count" ? String(Math.round(v)) : v.toFixed(1);
  return `${n} ${unit}`;
}

const withinTarget = (r: BenchResult) => (r.kind === "max" ? r.value <= r.target : r.value >= r.target);

function report(r: BenchResult): boolean {
  const ok = withinTarget(r);
  console.log(`  ${ok ? "✓" : "✗"} ${r.name}: ${fmt(r.value, r.unit)}  (target ${r.kind === "max" ? "≤" : "≥"} ${fmt(r.target, r.unit)})${r.note ? `  — ${r.note}` : ""}`);
  return ok;
}

// Each group runs in a process of its own: memory figures are a process's peak RSS, which an
// earlier group in the same process would inflate (and its leftovers would slow the next one).
async function runChild(file: string, group: string): Promise<BenchResult[]> {
  const out = path.join(os.tmpdir(), `nbpdm-bench-${process.pid}-${Date.now()}.json`);
  const child = spawn(process.execPath, ["--import", "tsx", __filename, "--child", file, group], { stdio: "inherit", env: { ...process.env, BENCH_RESULTS_FILE: out } });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  try {
    if (code !== 0) throw new Error(`bench group "${group}" exited with code ${code}`);
    return JSON.parse(fs.readFileSync(out, "utf8")) as BenchResult[];
  } finally {
    fs.rmSync(out, { force: true });
  }
}

async function child(file: string, group: string) {
  const mod = (await import(path.join(__dirname, "..", "bench", file))) as Record<string, unknown>;
  const m = Object.values(mod).filter(isBenchModule).find((x) => x.group === group);
  if (!m) throw new Error(`no bench group "${group}" in ${file}`);
  const results = await m.run();
  results.forEach(report);
  fs.writeFileSync(process.env.BENCH_RESULTS_FILE!, JSON.stringify(results));
  process.exit(0);
}

async function main() {
  if (process.argv[2] === "--child") return child(process.argv[3]!, process.argv[4]!);
  const filters = process.argv.slice(2).map((s) => s.toLowerCase());
  const dir = path.join(__dirname, "..", "bench");
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".ts") && !["types.ts", "util.ts"].includes(f) && !f.endsWith(".test.ts")).sort();
  const all: BenchResult[] = [];
  for (const file of files) {
    const mod = (await import(path.join(dir, file))) as Record<string, unknown>;
    for (const m of Object.values(mod).filter(isBenchModule)) {
      if (filters.length && !filters.some((f) => m.group.toLowerCase().includes(f) || file.includes(f))) continue;
      console.log(`\n▶ ${m.group}`);
      all.push(...(await runChild(file, m.group)));
    }
  }
  const failed = all.filter((r) => !withinTarget(r));
  fs.mkdirSync(path.join(__dirname, "..", "bench-results"), { recursive: true });
  fs.writeFileSync(path.join(__dirname, "..", "bench-results", "latest.json"), JSON.stringify({ at: new Date().toISOString(), results: all }, null, 2));
  console.log(`\n${all.length - failed.length}/${all.length} figures within target.`);
  process.exit(failed.length ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
