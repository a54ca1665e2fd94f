import { parentPort } from "node:worker_threads";
import { createPdmClient, type PdmClient } from "./client";
import { isPdmError } from "./errors";
import { createRequestLimiter, type RequestLimiter } from "./limiter";
import type { PumpReply, PumpRequest } from "./pump";

// The PDM request pump's thread (see pump.ts): the sync's PDM clients and their shared request
// limiters live here, so answers are read and the next request sent at once, whatever the app's
// main thread is busy with.

const port = parentPort!;
const clients = new Map<number, PdmClient>();
const limiters = new Map<string, RequestLimiter>();

function limiterFor(key: string, limit: number): RequestLimiter {
  let l = limiters.get(key);
  if (!l || l.limit !== limit) {
    l = createRequestLimiter(limit);
    limiters.set(key, l);
  }
  return l;
}

const reply = (m: PumpReply) => port.postMessage(m);

/** How often a remoteVersions call reports progress (the run's record is updated every 500 ms). */
const PROGRESS_MS = 100;

function failure(call: number, err: unknown): PumpReply {
  if (isPdmError(err)) return { op: "error", call, pdm: { kind: err.kind, message: err.message, status: err.status, path: err.path } };
  return { op: "error", call, message: err instanceof Error ? err.message : String(err) };
}

async function handle(m: PumpRequest): Promise<void> {
  switch (m.op) {
    case "open": {
      const limiter = limiterFor(m.limiter.key, m.limiter.limit).withPriority(m.limiter.priority);
      clients.set(m.client, createPdmClient({ ...m.opts, limiter }));
      return;
    }
    case "release":
      limiters.delete(m.key);
      return;
    case "ping":
      return reply({ op: "result", call: m.call, value: null });
    case "close": {
      const c = clients.get(m.client);
      clients.delete(m.client);
      await c?.close().catch(() => {});
      reply({ op: "result", call: m.call, value: null });
      return;
    }
    case "call": {
      const c = clients.get(m.client);
      if (!c) return reply({ op: "error", call: m.call, message: "PDM client is closed" });
      try {
        if (m.method === "version") return reply({ op: "result", call: m.call, value: await c.version() });
        if (m.method === "listRemotes") return reply({ op: "result", call: m.call, value: await c.listRemotes() });
        // Progress at most every PROGRESS_MS, not one message per remote: each message wakes the
        // main thread, and with 8 requests in flight answers rarely share a turn of this loop.
        let done = 0;
        let timer: NodeJS.Timeout | null = null;
        const flush = () => {
          timer = null;
          if (done) reply({ op: "progress", call: m.call, n: done });
          done = 0;
        };
        const value = await c
          .remoteVersions(m.ids ?? [], () => {
            done++;
            timer ??= setTimeout(flush, PROGRESS_MS);
          })
          .finally(() => {
            if (timer) clearTimeout(timer);
          });
        flush();
        return reply({ op: "result", call: m.call, value });
      } catch (err) {
        return reply(failure(m.call, err));
      }
    }
  }
}

port.on("message", (m: PumpRequest) => void handle(m));
