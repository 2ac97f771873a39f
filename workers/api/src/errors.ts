import type { ErrorDetail } from "@qr3/schema/api";
// The closed set of error codes the API answers with, and the one place they map to statuses.
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_MISMATCH: 422,
  DOMAIN_NOT_VERIFIED: 422,
  RATE_LIMITED: 429,
  INTERNAL_SERVER_ERROR: 500,
  DNS_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly headers: Record<string, string>;
  /** Every bad item of a bulk request. */
  details?: ErrorDetail[];

  constructor(code: ErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.headers = headers;
  }

  withDetails(details: ErrorDetail[]): this {
    this.details = details;
    return this;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string) => new ApiError("NOT_FOUND", `${what} not found`);
export const badRequest = (field: string, problem: string) => new ApiError("BAD_REQUEST", `${field}: ${problem}`);
