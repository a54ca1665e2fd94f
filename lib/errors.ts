/** Field errors in NetBox/DRF shape: `{"field": ["message", …]}`, `non_field_errors` for the rest. */
export type FieldErrors = Record<string, string[]>;

export type ErrorCode =
  | "validation"
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "too_many_requests"
  | "secret_unreadable"
  | "upstream_unavailable"
  | "internal";

/** The one code → HTTP status table (house style rule 11). */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  validation: 400,
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  secret_unreadable: 500,
  upstream_unavailable: 502,
  internal: 500,
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fields?: FieldErrors;
  readonly details?: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, opts: { fields?: FieldErrors; details?: Record<string, unknown> } = {}) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.fields = opts.fields;
    this.details = opts.details;
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export class ValidationError extends AppError {
  constructor(fields: FieldErrors) {
    super("validation", summarizeFieldErrors(fields), { fields });
    this.name = "ValidationError";
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, id: string | number) {
    super("not_found", `No ${what} matches the given id (${id}).`);
    this.name = "NotFoundError";
  }
}

export function summarizeFieldErrors(fields: FieldErrors): string {
  return Object.entries(fields)
    .map(([k, msgs]) => (k === "non_field_errors" ? msgs.join(" ") : `${k}: ${msgs.join(" ")}`))
    .join("; ");
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Merge field errors from several checks. */
export function addFieldError(errors: FieldErrors, field: string, message: string): void {
  // Own properties only: a field named "toString" or "__proto__" must not reach Object.prototype.
  if (Object.prototype.hasOwnProperty.call(errors, field)) errors[field]!.push(message);
  else Object.defineProperty(errors, field, { value: [message], enumerable: true, writable: true, configurable: true });
}
