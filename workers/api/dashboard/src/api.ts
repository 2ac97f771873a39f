// Same-origin calls to the qr3 API: the Authorization header, the `{ data }` / `{ error }`
// envelopes, and errors worded for people.
import type { ErrorDetail } from "@qr3/schema/api";
import { getKey } from "./session.ts";

export const NETWORK_MESSAGE = "Could not reach qr3. Check your connection.";
export const EXPIRED_KEY_MESSAGE = "Your API key is no longer valid. Sign in again.";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The field the API named ("url", "short_code", ...), if any. */
  readonly field: string | null;
  readonly requestId: string | null;
  /** Of a bulk request: every bad item, by its index in the request. */
  readonly details: readonly ErrorDetail[];

  constructor(message: string, status: number, code: string, field: string | null = null, requestId: string | null = null, details: readonly ErrorDetail[] = []) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
    this.requestId = requestId;
    this.details = details;
  }
}

export const isAbort = (err: unknown) => err instanceof DOMException && err.name === "AbortError";

let unauthorized: (() => void) | null = null;
/** Called when the stored key stops working (a 401 on any call made with it). */
export function onUnauthorized(handler: () => void): void {
  unauthorized = handler;
}

/** How the API's field names read in a sentence. */
const FIELD_WORDS: Record<string, string> = {
  url: "URL",
  short_code: "short code",
  status: "status",
  events: "event list",
  secret: "secret",
  tz: "time zone",
  days: "window",
  include_bots: "include bots setting",
  from: "start of the export",
  to: "end of the export",
  format: "export format",
  body: "request",
  limit: "page size",
  cursor: "page cursor",
  ecc: "error correction level",
  webhook: "webhook",
};

/**
 * The API says "url: must be an http or https URL"; people read "The destination URL must be an
 * http or https URL." `fields` gives the words for this call's fields.
 */
export function plainWords(message: string, fields: Record<string, string> = {}): { text: string; field: string | null } {
  const match = /^([a-z_][a-z0-9_.]*): (.+)$/is.exec(message.trim());
  const end = (s: string) => (/[.!?]$/.test(s) ? s : `${s}.`);
  if (!match) return { text: end(message.trim() || "Something went wrong."), field: null };
  const [, field = "", problem = ""] = match;
  const words = fields[field] ?? FIELD_WORDS[field] ?? field.replace(/[_.]/g, " ");
  const text = /^(must|is|has|was|can|should|does)\b/.test(problem)
    ? `The ${words} ${problem}`
    : `${words.charAt(0).toUpperCase()}${words.slice(1)}: ${problem}`;
  return { text: end(text), field };
}

export interface CallOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  /** A file sent as the body as it is, with its own type (instead of `body` as JSON). */
  file?: { data: Blob; type: string };
  signal?: AbortSignal;
  /** A key to try instead of the stored one (sign-in); its 401 does not sign out. */
  key?: string;
  /** Words for this call's fields, e.g. `{ url: "destination URL" }`. */
  fields?: Record<string, string>;
  /** An Idempotency-Key, so that sending the same request again cannot apply it twice. */
  idempotencyKey?: string;
}

/** The well-formed items of an error's `details`; anything else in it is ignored. */
function detailsOf(details: unknown): ErrorDetail[] {
  if (!Array.isArray(details)) return [];
  return details.filter(
    (d): d is ErrorDetail =>
      typeof d === "object" && d !== null && Number.isInteger(d.index) && typeof d.field === "string" && typeof d.message === "string",
  );
}

async function errorOf(res: Response, options: CallOptions): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON: a proxy or platform error page.
  }
  const envelope = body as { error?: { code?: unknown; message?: unknown; details?: unknown }; meta?: { request_id?: unknown }; request_id?: unknown } | null;
  const requestId = envelope?.meta?.request_id ?? envelope?.request_id;
  const rid = typeof requestId === "string" ? requestId : null;
  const code = typeof envelope?.error?.code === "string" ? envelope.error.code : `HTTP_${res.status}`;
  if (res.status === 401 && options.key === undefined) return new ApiError(EXPIRED_KEY_MESSAGE, 401, code, null, rid);
  if (typeof envelope?.error?.message !== "string") {
    return new ApiError(`qr3 answered with an unexpected error (HTTP ${res.status}). Try again in a moment.`, res.status, code, null, rid);
  }
  const { text, field } = plainWords(envelope.error.message, options.fields);
  return new ApiError(text, res.status, code, field, rid, detailsOf(envelope.error.details));
}

/** Sends the request; resolves to the response when it is a success, throws an ApiError otherwise. */
export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const key = options.key ?? getKey();
  const headers: Record<string, string> = { Accept: "application/json" };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (options.file) headers["Content-Type"] = options.file.type;
  else if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
  let res: Response;
  try {
    res = await fetch(path, {
      method: options.method ?? "GET",
      headers,
      body: options.file ? options.file.data : options.body === undefined ? null : JSON.stringify(options.body),
      signal: options.signal ?? null,
      cache: "no-store",
    });
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError(NETWORK_MESSAGE, 0, "NETWORK");
  }
  if (res.ok) return res;
  const error = await errorOf(res, options);
  if (res.status === 401 && options.key === undefined) unauthorized?.();
  throw error;
}

async function readJson<T>(res: Response): Promise<T> {
  try {
    return (await res.json()) as T;
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError("qr3 sent an answer the dashboard could not read. Try again.", res.status, "BAD_BODY");
  }
}

/** GET a JSON body (`{ data }` or a page). */
export async function getJson<T>(path: string, options: Omit<CallOptions, "method" | "body"> = {}): Promise<T> {
  return readJson<T>(await call(path, options));
}

/** POST/PATCH/DELETE with a JSON body; undefined for a 204. */
export async function send<T>(method: "POST" | "PATCH" | "DELETE", path: string, body?: unknown, options: Omit<CallOptions, "method" | "body"> = {}): Promise<T> {
  const res = await call(path, { ...options, method, body });
  if (res.status === 204) return undefined as T;
  return readJson<T>(res);
}

/** PUT a file as the body (a logo), answering the JSON envelope. */
export async function putFile<T>(path: string, data: Blob, type: string, options: Omit<CallOptions, "method" | "body" | "file"> = {}): Promise<T> {
  return readJson<T>(await call(path, { ...options, method: "PUT", file: { data, type } }));
}

/** A file download: the body and the file name from Content-Disposition, if it has one. */
export async function getFile(path: string, options: Omit<CallOptions, "method" | "body"> = {}): Promise<{ blob: Blob; filename: string | null; type: string }> {
  const res = await call(path, options);
  let blob: Blob;
  try {
    blob = await res.blob();
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError("The download broke off before it was complete. Try again.", res.status, "BROKEN_BODY");
  }
  return { blob, filename: filenameOf(res.headers.get("content-disposition")), type: res.headers.get("content-type") ?? "" };
}

/** `attachment; filename="a.csv"` or `filename*=UTF-8''a.csv`; null when absent. */
export function filenameOf(disposition: string | null): string | null {
  if (!disposition) return null;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  if (extended?.[1]) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // Fall back to the plain form.
    }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;\s]+))/.exec(disposition);
  const name = plain?.[1] ?? plain?.[2];
  // Never let a server-given name carry a path.
  return name ? name.replace(/[/\\]/g, "_") : null;
}

export const enc = encodeURIComponent;
