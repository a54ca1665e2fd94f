import { callRoute, type CallOptions } from "@/tests/api";
import { resolve } from "./routes";

type Handler = Parameters<typeof callRoute>[0];

/** Calls the REST API in-process by method and URL, like an HTTP client would. */
export async function api(method: string, url: string, opts: Omit<CallOptions, "method" | "params"> = {}) {
  const target = resolve(url);
  if (!target) throw new Error(`no route for ${url}`);
  const handler = target.module[method] as Handler | undefined;
  if (!handler) return { status: 405, body: null as unknown, headers: new Headers(), text: "" };
  return callRoute(handler, url, { ...opts, method, params: target.params });
}

export type Json = Record<string, unknown>;
export const asJson = (v: unknown) => v as Json;
export const listOf = (v: unknown) => v as { count: number; next: string | null; previous: string | null; results: Json[] };
