import type { ServerResponse } from "node:http";
import { sleep } from "./clock";
import { headersFor, JSON_TYPE, send, type Reply } from "./reply";

// Injected faults: what a flaky network, a reverse proxy or a broken PDM does to an answer.

export const FAULT_KINDS = [
  "latency",
  "http502", // a reverse proxy's 502/503/504 with an HTML body (PDM itself never sends 5xx, pdm-api.md §1.3)
  "http503",
  "http504",
  "reset",
  "truncate",
  "null-data",
  "object-data",
  "html200",
  "http401",
  "http403", // PDM's own "permission check failed" (text body, JSON content type)
  "hang",
  "reset-mid-body", // headers and part of the body, then a TCP reset
  "trickle", // headers at once, the body in chunkBytes pieces spread over latencyMs
  "tls-abort", // new connections are dropped (TCP reset) after the ClientHello; no path, counts connections
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Faults compose: every matching delay (latency, hang) is served in list order, then the first
 * matching answer-changing fault answers instead of the simulator (or, for trickle and
 * reset-mid-body, delivers its answer badly). tls-abort acts on connections, before any path is
 * known; it also hits new connections to /__sim/, so give it `times` when driving the simulator
 * over HTTP.
 */
export interface Fault {
  kind: FaultKind;
  /** Matches the API path after /api2/json (e.g. "^/remotes/remote$"); default: every path. */
  path?: string;
  /** latency/hang: the delay; trickle: how long the whole body takes (default 5000). */
  latencyMs?: number;
  /** trickle: bytes per write (default 16). */
  chunkBytes?: number;
  /** Applies this many times (requests, or connections for tls-abort), then disappears (default: until cleared). */
  times?: number;
}

export class Faults {
  private list: Fault[] = [];

  add(f: Fault): void {
    this.list.push({ ...f });
  }

  clear(): void {
    this.list = [];
  }

  /** Whether a tls-abort fault takes this new connection (it is then used up once). */
  takeTlsAbort(): boolean {
    const abort = this.list.find((f) => f.kind === "tls-abort");
    if (abort) this.take(abort);
    return !!abort;
  }

  private take(f: Fault): void {
    if (f.times !== undefined && --f.times <= 0) this.list = this.list.filter((x) => x !== f);
  }

  /**
   * Applies the faults matching `path`: delays in turn, then the first one that changes the
   * answer. Returns true when a fault answered (or killed) the request. `reset` resets the
   * response's TCP connection.
   */
  async apply(res: ServerResponse, path: string, answer: Reply, reset: () => void): Promise<boolean> {
    const matching = this.list.filter((x) => x.kind !== "tls-abort" && (!x.path || new RegExp(x.path).test(path)));
    for (const f of matching) {
      // Another request may have used up a `times` fault while this one waited.
      if (!this.list.includes(f)) continue;
      this.take(f);
      switch (f.kind) {
        case "latency":
          await sleep(f.latencyMs ?? 1000);
          continue;
        case "hang":
          await sleep(f.latencyMs ?? 600_000);
          continue;
        case "tls-abort":
          continue;
        case "http502":
        case "http503":
        case "http504": {
          const [status, title] = f.kind === "http502" ? [502, "502 Bad Gateway"] : f.kind === "http503" ? [503, "503 Service Temporarily Unavailable"] : [504, "504 Gateway Time-out"];
          send(res, status, `<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>nginx</center></body></html>`, "text/html");
          return true;
        }
        case "http403":
          send(res, 403, "permission check failed");
          return true;
        case "reset":
          res.socket?.destroy();
          return true;
        case "reset-mid-body": {
          // The full Content-Length is announced, half the body sent, then the TCP connection reset.
          const buf = Buffer.from(answer.body);
          res.writeHead(answer.status, headersFor(answer.type, buf.length));
          res.write(buf.subarray(0, Math.max(1, Math.floor(buf.length / 2))), reset);
          return true;
        }
        case "trickle": {
          const buf = Buffer.from(answer.body);
          res.writeHead(answer.status, headersFor(answer.type, buf.length));
          res.flushHeaders();
          const size = Math.max(1, Math.floor(f.chunkBytes ?? 16));
          const pause = (f.latencyMs ?? 5000) / Math.ceil(buf.length / size);
          for (let i = 0; i < buf.length; i += size) {
            await sleep(pause);
            if (res.destroyed || !res.socket || res.socket.destroyed) return true;
            res.write(buf.subarray(i, i + size));
          }
          res.end();
          return true;
        }
        case "truncate":
          res.writeHead(200, { "Content-Type": JSON_TYPE });
          res.end('{"data":[{"type":"pve","id":"trunc');
          return true;
        case "null-data":
          send(res, 200, '{"data":null}');
          return true;
        case "object-data":
          send(res, 200, '{"data":{"unexpected":true}}');
          return true;
        case "html200":
          send(res, 200, "<html><body>maintenance</body></html>", "text/html");
          return true;
        case "http401":
          send(res, 401, "authentication failed", null);
          return true;
      }
    }
    return false;
  }
}
