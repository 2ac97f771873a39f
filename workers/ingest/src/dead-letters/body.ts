import type { DeadLetterFormat } from "@qr3/db";
import { base64ToBytes, bytesToBase64 } from "@qr3/webhooks";

// A dead letter's body as a row can hold it: JSON. Our producers send JSON, but a dead-letter
// queue takes whatever anyone sends it (bytes, text, or a structured-clone value from another
// worker), and nothing that reaches it may be lost for want of a representation.

export interface StoredBody {
  body: string;
  format: DeadLetterFormat;
  /** Set when the body could not be kept exactly. */
  note?: string;
}

// Deep enough for any message of ours; deeper nesting is kept as its closest JSON.
const MAX_DEPTH = 64;

/** Whether `value` survives JSON.stringify and JSON.parse unchanged. */
function isPlainJson(value: unknown, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isPlainJson(v, depth + 1));
  if (typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).every((v) => v !== undefined && isPlainJson(v, depth + 1));
}

function bytesOf(value: unknown): Uint8Array | null {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return null;
}

// Structured-clone values that JSON has no word for, turned into the nearest JSON.
function closestJson(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Map) return [...value.entries()];
  if (value instanceof Set) return [...value.values()];
  const bytes = bytesOf(value);
  if (bytes) return bytesToBase64(bytes);
  return value;
}

/** Never throws: a body it cannot keep exactly is kept as closely as it can, and says so. */
export function storeBody(value: unknown): StoredBody {
  try {
    const bytes = bytesOf(value);
    if (bytes) return { body: JSON.stringify(bytesToBase64(bytes)), format: "bytes" };
    if (isPlainJson(value)) return { body: JSON.stringify(value), format: "json" };
    return { body: JSON.stringify(value, closestJson) ?? "null", format: "lossy", note: "body is not plain JSON" };
  } catch (err) {
    return { body: "null", format: "lossy", note: `body could not be represented: ${String(err)}` };
  }
}

/** The message to send again for a stored body. */
export function replayBody(stored: Pick<StoredBody, "body" | "format">): MessageSendRequest {
  const value: unknown = JSON.parse(stored.body);
  if (stored.format === "bytes" && typeof value === "string") {
    const bytes = base64ToBytes(value);
    if (bytes) return { body: bytes, contentType: "bytes" };
  }
  return { body: value, contentType: "json" };
}
