// One error type for everything that can go wrong talking to PDM (pdm-api.md §1.3, §5).
// Messages are plain words, name the cause, and never contain the token secret: we build them
// ourselves and never attach the underlying error objects (which could carry request options).

export type PdmErrorKind =
  | "auth" // 401
  | "permission" // 403
  | "not_found" // 404
  | "tls_mismatch" // the pinned fingerprint differs from the presented certificate
  | "tls" // any other certificate / handshake failure
  | "timeout"
  | "unreachable" // DNS, refused, reset, dropped
  | "upstream" // 5xx (a proxy in front of PDM: PDM itself answers remote failures with 400)
  | "malformed" // not the JSON shape PDM documents
  | "remote_unreachable" // PDM's 400 for a remote it cannot reach (per-remote endpoints)
  | "http"; // any other unexpected status

export class PdmError extends Error {
  readonly kind: PdmErrorKind;
  readonly status?: number;
  readonly path?: string;
  constructor(kind: PdmErrorKind, message: string, opts: { status?: number; path?: string } = {}) {
    super(message);
    this.name = "PdmError";
    this.kind = kind;
    this.status = opts.status;
    this.path = opts.path;
  }

  /** Connection failures, timeouts and 502/503/504 may succeed on a retry (SPEC §4); 4xx never. */
  get retryable(): boolean {
    return this.kind === "unreachable" || this.kind === "timeout" || (this.kind === "upstream" && [502, 503, 504].includes(this.status ?? 0));
  }

  toJSON() {
    return { name: this.name, kind: this.kind, message: this.message, status: this.status, path: this.path };
  }
}

export function isPdmError(e: unknown): e is PdmError {
  return e instanceof PdmError;
}
