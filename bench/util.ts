import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** How the simulator kept its latency: each answer's mean delay past it, and how many came early. */
export function simLatencyNote(stats: { latency: { answers: number; lateMs: number; early: number } }[], latencyMs: number): string {
  const answers = stats.reduce((n, s) => n + s.latency.answers, 0);
  const late = stats.reduce((n, s) => n + s.latency.lateMs, 0);
  const early = stats.reduce((n, s) => n + s.latency.early, 0);
  return `simulator answered ${latencyMs} ms + ${(answers ? late / answers : 0).toFixed(2)} ms on average, ${early} early`;
}

export function adminDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL ?? process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

/** A throwaway PostgreSQL database for one bench, or null when no server is reachable. */
export async function postgresBenchDatabase(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const { default: postgres } = await import("postgres");
  const admin = postgres(adminDatabaseUrl(), { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await admin`select 1`;
  } catch {
    await admin.end().catch(() => {});
    return null;
  }
  const name = `nbpdm_bench_${randomBytes(4).toString("hex")}`;
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminDatabaseUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/**
 * Runs `fn` with DATA_DIR at a fresh temporary directory (removed afterwards), so the inventory's
 * Git repository (DATA_DIR/inventory.git) and anything else the app keeps there are the bench's
 * own — never ./data.
 */
export async function withDataDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const prev = process.env.DATA_DIR;
  process.env.DATA_DIR = dir;
  try {
    return await fn(dir);
  } finally {
    if (prev === undefined) delete process.env.DATA_DIR;
    else process.env.DATA_DIR = prev;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
