import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { z } from "zod";
import { parseToken, type SimToken } from "./acl";
import type { GenerateOptions, RemoteState, SimRemote } from "./data";
import { FAULT_KINDS, type Fault } from "./faults";
import { send } from "./reply";

// The control interface: in-process (SimControl) and over HTTP under /__sim/ (a route table,
// each body checked by its schema). It changes the simulator's state between syncs, injects
// faults and reads the stats.

export interface SimControl {
  remotes(): SimRemote[];
  setRemotes(remotes: SimRemote[]): void;
  addRemote(r: SimRemote): void;
  addGenerated(opts: GenerateOptions): SimRemote[];
  removeRemote(id: string): boolean;
  /** PDM has no rename: delete + add under the new id with the same nodes. */
  renameRemote(id: string, newId: string): boolean;
  setOffline(id: string, reason?: string): boolean;
  setOnline(id: string): boolean;
  /** Any state of pdm-api.md §7.4: online, offline, slow, auth_broken, tls_mismatch. */
  setState(id: string, state: RemoteState): boolean;
  /** One PVE node reported offline by its cluster (or back online). */
  setNodeOffline(id: string, node: string, offline?: boolean): boolean;
  setVersion(id: string, version: string): boolean;
  addFault(f: Fault): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  /** Serves a new certificate from now on; returns its fingerprint. */
  rotateCertificate(): Promise<string>;
  /** The default token's secret. */
  setTokenSecret(secret: string): void;
  tokens(): SimToken[];
  /** Adds a token, or replaces the one with the same tokenid. */
  addToken(t: SimToken): void;
  /** Changes a token's secret, enabled, expire, userEnabled or ACL. */
  updateToken(tokenid: string, patch: Partial<Omit<SimToken, "tokenid">>): boolean;
  removeToken(tokenid: string): boolean;
  resetStats(): void;
}

/** What the HTTP routes need besides SimControl. */
export interface ControlHost {
  control: SimControl;
  /** GET /__sim/state: stats, the certificate's fingerprint, the remotes. */
  state(): unknown;
  log(): unknown;
  /** Rotates the certificate, dropping every connection but the one `sparing` (a TLS socket) rides on. */
  rotateCertificate(sparing: Socket | null): Promise<string>;
}

const nodeSchema = z.object({ hostname: z.string(), fingerprint: z.string().nullable(), name: z.string(), ip: z.string(), offline: z.boolean().optional() });
const stateSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("online") }),
  z.object({ kind: z.literal("offline"), reason: z.string() }),
  z.object({ kind: z.literal("slow"), seconds: z.number().min(0) }),
  z.object({ kind: z.literal("auth_broken"), message: z.string().optional() }),
  z.object({ kind: z.literal("tls_mismatch"), fingerprint: z.string().optional() }),
]);
/** A remote as put in: without a state it is online (see the PDM routes' stateOf). */
const remoteSchema = z.object({
  id: z.string(),
  type: z.enum(["pve", "pbs"]),
  nodes: z.array(nodeSchema),
  authid: z.string(),
  webUrl: z.string().nullable(),
  version: z.string(),
  release: z.string(),
  state: stateSchema.optional(),
});
const generateSchema = z.object({
  remotes: z.number().int().min(0),
  pbsShare: z.number().optional(),
  nodesPerCluster: z.tuple([z.number().int(), z.number().int()]).optional(),
  fingerprintShare: z.number().optional(),
  seed: z.number().optional(),
  prefix: z.string().optional(),
});
const isRegExp = (s: string) => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
};
const faultSchema = z.object({
  kind: z.enum(FAULT_KINDS),
  path: z.string().refine(isRegExp, "not a regular expression").optional(),
  latencyMs: z.number().min(0).optional(),
  chunkBytes: z.number().min(1).optional(),
  times: z.number().int().optional(),
});
const none = z.unknown();

interface Answer {
  status: number;
  body: unknown;
}
const done = (body: unknown, status = 200): Answer => ({ status, body });
const okIf = (ok: boolean) => done({ ok });

interface Call<B> {
  params: Record<string, string>;
  body: B;
  req: IncomingMessage;
  res: ServerResponse;
}

interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** The segments after /__sim/; `:name` takes one, URI-decoded. */
  segments: string[];
  body: z.ZodType;
  /** The 400's message for a body that does not match (default: the first problem found). */
  invalid?: string;
  handle(call: Call<unknown>): Answer | Promise<Answer>;
}

function route<S extends z.ZodType>(method: Route["method"], path: string, body: S, handle: (call: Call<z.output<S>>) => Answer | Promise<Answer>, invalid?: string): Route {
  return { method, segments: path.split("/"), body, invalid, handle: handle as Route["handle"] };
}

function routes(host: ControlHost): Route[] {
  const c = host.control;
  return [
    route("GET", "state", none, () => done(host.state())),
    route("GET", "log", none, () => done(host.log())),
    route("POST", "reset-stats", none, () => {
      c.resetStats();
      return done({ ok: true });
    }),
    route("POST", "remotes", z.union([z.object({ generate: generateSchema }), remoteSchema]), ({ body }) => {
      if ("generate" in body) return done(c.addGenerated(body.generate), 201);
      c.addRemote(body as SimRemote);
      return done({ ok: true }, 201);
    }),
    route("PUT", "remotes", z.object({ remotes: z.array(remoteSchema) }), ({ body }) => {
      c.setRemotes(body.remotes as SimRemote[]);
      return done({ ok: true });
    }),
    route("DELETE", "remotes/:id", none, ({ params }) => okIf(c.removeRemote(params.id!))),
    route("POST", "remotes/:id/rename", z.object({ newId: z.string() }), ({ params, body }) => okIf(c.renameRemote(params.id!, body.newId))),
    route("POST", "remotes/:id/offline", z.object({ reason: z.string().optional() }), ({ params, body }) => okIf(c.setOffline(params.id!, body.reason))),
    route("POST", "remotes/:id/online", none, ({ params }) => okIf(c.setOnline(params.id!))),
    route("POST", "remotes/:id/version", z.object({ version: z.string() }), ({ params, body }) => okIf(c.setVersion(params.id!, body.version))),
    route(
      "POST",
      "remotes/:id/state",
      stateSchema,
      ({ params, body }) => okIf(c.setState(params.id!, body)),
      "state: {kind: online} | {kind: offline, reason} | {kind: slow, seconds} | {kind: auth_broken, message?} | {kind: tls_mismatch, fingerprint?}",
    ),
    route("POST", "remotes/:id/nodes/:node/offline", none, ({ params }) => okIf(c.setNodeOffline(params.id!, params.node!, true))),
    route("POST", "remotes/:id/nodes/:node/online", none, ({ params }) => okIf(c.setNodeOffline(params.id!, params.node!, false))),
    route("POST", "faults", faultSchema, ({ body }) => {
      c.addFault(body);
      return done({ ok: true });
    }),
    route("DELETE", "faults", none, () => {
      c.clearFaults();
      return done({ ok: true });
    }),
    route("POST", "latency", z.object({ ms: z.coerce.number().min(0).default(0) }), ({ body }) => {
      c.setLatency(body.ms);
      return done({ ok: true });
    }),
    route("POST", "rotate-certificate", none, async ({ req, res }) => {
      // Spare the connection carrying this request, or its answer would be lost; close it afterwards.
      res.shouldKeepAlive = false;
      return done({ fingerprint: await host.rotateCertificate(req.socket) });
    }),
    route("POST", "token", z.object({ secret: z.string() }), ({ body }) => {
      c.setTokenSecret(body.secret);
      return done({ ok: true });
    }),
    // The token table; PUT is a partial update. parseToken (sim/acl.ts) checks tokens wherever they come from.
    route("GET", "tokens", none, () => done(c.tokens())),
    route("POST", "tokens", none, ({ body }) => {
      const t = parseToken(body);
      if (typeof t === "string") return done({ error: t }, 400);
      c.addToken(t);
      return done({ ok: true }, 201);
    }),
    route("PUT", "tokens/:id", z.record(z.string(), z.unknown()), ({ params, body }) => {
      const current = c.tokens().find((t) => t.tokenid === params.id);
      if (!current) return done({ ok: false });
      const t = parseToken({ ...current, ...body, tokenid: params.id });
      if (typeof t === "string") return done({ error: t }, 400);
      return okIf(c.updateToken(params.id!, t));
    }),
    route("DELETE", "tokens/:id", none, ({ params }) => okIf(c.removeToken(params.id!))),
  ];
}

/** The route matching a request, with its parameters; null when none does. Throws on bad percent-encoding. */
function match(table: Route[], method: string | undefined, segments: string[]): { route: Route; params: Record<string, string> } | null {
  next: for (const route of table) {
    if (route.method !== method || route.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    for (const [i, s] of route.segments.entries()) {
      if (s.startsWith(":")) params[s.slice(1)] = decodeURIComponent(segments[i]!);
      else if (s !== segments[i]) continue next;
    }
    return { route, params };
  }
  return null;
}

async function readText(req: IncomingMessage): Promise<string> {
  let b = "";
  for await (const c of req as AsyncIterable<Buffer>) b += c.toString();
  return b;
}

/** The handler of /__sim/… requests. */
export function controlRoutes(host: ControlHost, controlKey: string): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> {
  const table = routes(host);
  return async (req, res, path) => {
    if (req.headers["x-sim-control"] !== controlKey) return send(res, 403, JSON.stringify({ error: "bad control key" }));
    const text = await readText(req);
    let input: unknown = {};
    try {
      input = text ? JSON.parse(text) : {};
    } catch {
      return send(res, 400, JSON.stringify({ error: "bad JSON" }));
    }
    const respond = (a: Answer) => send(res, a.status, JSON.stringify(a.body), "application/json");
    let found: ReturnType<typeof match>;
    try {
      found = match(table, req.method, path.split("/").filter(Boolean).slice(1));
    } catch {
      return respond(done({ error: "bad percent-encoding in the path" }, 400));
    }
    if (!found) return respond(done({ error: "unknown control route" }, 404));
    const body = found.route.body.safeParse(input);
    if (!body.success) {
      const issue = body.error.issues[0];
      return respond(done({ error: found.route.invalid ?? `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}` }, 400));
    }
    try {
      respond(await found.route.handle({ params: found.params, body: body.data, req, res }));
    } catch (err) {
      if (!res.headersSent) respond(done({ error: err instanceof Error ? err.message : String(err) }, 500));
    }
  };
}
