import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { PdmClientOptions, PdmRemoteInfo, PdmVersionInfo, RemoteVersionResult } from "./client";
import { PdmError, type PdmErrorKind } from "./errors";

// The sync's PDM requests run on a thread of their own. The fetch keeps `pdm_fetch_concurrency`
// requests in flight continuously (SPEC §4), but on the app's main thread every answer waits
// for whatever that thread is doing: while one endpoint reconciles (tens of ms of CPU at a
// time), the others' answers sat unread and the pipe ran dry — a 10 × 1,000-remote sync spent
// 1.5–2.5 s more fetching than the same requests did on an idle thread. The pump thread hosts
// the clients (lib/pdm/client.ts, unchanged) and the run's shared limiter; the main thread only
// sends ids and receives results.

export interface PumpLimiter {
  /** Requests of one key share `limit` slots (one key per sync run). */
  key: string;
  limit: number;
  /** Lower first (an endpoint's place in its run). */
  priority: number;
}

type ClientOptions = Omit<PdmClientOptions, "limiter">;

export type PumpRequest =
  | { op: "open"; client: number; opts: ClientOptions; limiter: PumpLimiter }
  | { op: "call"; client: number; call: number; method: "version" | "listRemotes" | "remoteVersions"; ids?: string[] }
  | { op: "close"; client: number; call: number }
  | { op: "ping"; call: number }
  | { op: "release"; key: string };

export type PumpReply =
  | { op: "result"; call: number; value: unknown }
  | { op: "progress"; call: number; n: number }
  | { op: "error"; call: number; pdm?: { kind: PdmErrorKind; message: string; status?: number; path?: string }; message?: string };

export interface PumpedPdmClient {
  readonly tlsUnverified: boolean;
  version(): Promise<PdmVersionInfo>;
  listRemotes(): Promise<PdmRemoteInfo[]>;
  /** Every remote's version; `onProgress` hears how many more have answered. */
  remoteVersions(ids: string[], onProgress?: (n: number) => void): Promise<Map<string, RemoteVersionResult>>;
  close(): Promise<void>;
}

type Failure = Omit<Extract<PumpReply, { op: "error" }>, "op" | "call">;

interface Pending {
  resolve(v: unknown): void;
  /** Rejects with an error made by the caller's copy of this module (see `g`). */
  fail(f: Failure): void;
  progress?: (n: number) => void;
}

// One pump per process, shared through globalThis by every copy of this module: a production
// build bundles it into several chunks (instrumentation.ts, which starts the pump, and each route,
// such as /api/inngest, whose sync steps use it). So the message ids are counted in the shared
// state, and an error is made by the caller's copy: `instanceof PdmError` only knows its own class.
const g = globalThis as typeof globalThis & { __netboxPdmPump?: { worker: Worker; pending: Map<number, Pending> }; __netboxPdmPumpSeq?: number };
const nextId = () => (g.__netboxPdmPumpSeq = (g.__netboxPdmPumpSeq ?? 0) + 1);

/**
 * Inside Next.js (NEXT_RUNTIME is set) the bundler compiles the worker from the `new Worker(new
 * URL(…))` below. Run from source (tsx, vitest), its TypeScript is loaded through tsx's register.
 */
function spawn(): Worker {
  if (!process.env.NEXT_RUNTIME) {
    const file = path.join(path.dirname(fileURLToPath(import.meta.url)), "pump.worker.ts");
    return new Worker(`require("tsx/cjs/api").register(); require(${JSON.stringify(file)});`, { eval: true });
  }
  return new Worker(new URL("./pump.worker.ts", import.meta.url));
}

function pump() {
  if (g.__netboxPdmPump) return g.__netboxPdmPump;
  const worker = spawn();
  const pending = new Map<number, Pending>();
  const state = { worker, pending };
  // An idle pump never keeps the process alive; one with work does.
  worker.unref();
  worker.on("message", (m: PumpReply) => {
    const p = pending.get(m.call);
    if (!p) return;
    if (m.op === "progress") return p.progress?.(m.n);
    pending.delete(m.call);
    if (!pending.size) worker.unref();
    if (m.op === "result") p.resolve(m.value);
    else p.fail(m);
  });
  const lost = (why: string) => {
    if (g.__netboxPdmPump === state) g.__netboxPdmPump = undefined;
    for (const p of pending.values()) p.fail({ message: `PDM request pump stopped: ${why}` });
    pending.clear();
  };
  worker.on("error", (err) => lost(err.message));
  worker.on("exit", (code) => lost(`exit code ${code}`));
  g.__netboxPdmPump = state;
  return state;
}

function send(m: PumpRequest, progress?: (n: number) => void): Promise<unknown> {
  const p = pump();
  if ("call" in m) {
    return new Promise((resolve, reject) => {
      const fail = (f: Failure) => reject(f.pdm ? new PdmError(f.pdm.kind, f.pdm.message, { status: f.pdm.status, path: f.pdm.path }) : new Error(f.message ?? "PDM request pump failed"));
      p.pending.set(m.call, { resolve, fail, progress });
      p.worker.ref();
      p.worker.postMessage(m);
    });
  }
  p.worker.postMessage(m);
  return Promise.resolve();
}

/** A PDM client whose requests run on the pump thread, within the limiter named by `limiter`. */
export function pumpedPdmClient(opts: ClientOptions, limiter: PumpLimiter): PumpedPdmClient {
  const client = nextId();
  void send({ op: "open", client, opts, limiter });
  const call = <T>(m: Omit<Extract<PumpRequest, { op: "call" }>, "client" | "call">, progress?: (n: number) => void) =>
    send({ ...m, client, call: nextId() } as PumpRequest, progress) as Promise<T>;
  return {
    tlsUnverified: !opts.fingerprint?.trim() && !opts.verifySsl,
    version: () => call<PdmVersionInfo>({ op: "call", method: "version" }),
    listRemotes: () => call<PdmRemoteInfo[]>({ op: "call", method: "listRemotes" }),
    remoteVersions: (ids, onProgress) => call<Map<string, RemoteVersionResult>>({ op: "call", method: "remoteVersions", ids }, onProgress),
    close: async () => {
      await send({ op: "close", client, call: nextId() });
    },
  };
}

/**
 * Starts the pump thread now and resolves once it answers: its modules load and compile at
 * server start instead of inside the first sync's fetch.
 */
export async function startRequestPump(): Promise<void> {
  await send({ op: "ping", call: nextId() });
}

/** Drops a finished run's limiter on the pump thread. */
export function releasePumpLimiter(key: string): void {
  if (g.__netboxPdmPump) void send({ op: "release", key });
}
