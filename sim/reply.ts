import type { ServerResponse } from "node:http";

// How the simulator writes answers: PDM's JSON content type (with its charset), and an answer
// computed first and written later (after the simulated latency, or badly by a fault).

export const JSON_TYPE = "application/json;charset=UTF-8";

export interface Reply {
  status: number;
  body: string;
  /** The Content-Type; null: none (PDM's 401s). */
  type: string | null;
}

export const reply = (status: number, body: string, type: string | null = JSON_TYPE): Reply => ({ status, body, type });

export function headersFor(type: string | null, length: number) {
  return type ? { "Content-Type": type, "Content-Length": length } : { "Content-Length": length };
}

export function send(res: ServerResponse, status: number, body: string, type: string | null = JSON_TYPE): void {
  res.writeHead(status, headersFor(type, Buffer.byteLength(body)));
  res.end(body);
}
