import { ApiError, badRequest } from "./errors.ts";

/** The most a request body may hold, in bytes (1 MB): more than any valid body needs, little to buffer. */
export const MAX_BODY_BYTES = 1024 * 1024;

const tooLarge = () => new ApiError("PAYLOAD_TOO_LARGE", `body: must be at most ${MAX_BODY_BYTES} bytes`);
const notJson = () => new ApiError("UNSUPPORTED_MEDIA_TYPE", "content-type: must be application/json");

/**
 * `application/json`, with any parameters; a charset, if one is named, must be UTF-8, the only
 * encoding JSON exchanged between systems may use (RFC 8259, section 8.1).
 */
function isJsonType(header: string): boolean {
  const [type, ...params] = header.split(";");
  if (type!.trim().toLowerCase() !== "application/json") return false;
  return params.every((param) => {
    const [name = "", value = ""] = param.split("=");
    return name.trim().toLowerCase() !== "charset" || value.trim().replace(/^"(.*)"$/, "$1").toLowerCase() === "utf-8";
  });
}

/**
 * Reads the stream up to `limit` bytes. Once past it, stops and cancels the stream, so that a
 * body of any size costs no more than the limit to refuse.
 */
export async function readAtMost(body: ReadableStream<Uint8Array>, limit: number, tooLarge: () => Error): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(read.value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/**
 * The text of a JSON request body, "" when there is none: 415 unless it is declared
 * `application/json`, 413 past MAX_BODY_BYTES (declared or read), 400 unless it is valid UTF-8
 * (never silently repaired into U+FFFD).
 */
export async function readJsonText(request: Request): Promise<string> {
  const type = request.headers.get("content-type");
  if (type !== null && !isJsonType(type)) throw notJson();
  if (Number(request.headers.get("content-length")) > MAX_BODY_BYTES) throw tooLarge();
  if (!request.body) return "";
  const bytes = await readAtMost(request.body, MAX_BODY_BYTES, tooLarge);
  if (bytes.byteLength === 0) return "";
  if (type === null) throw notJson();
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw badRequest("body", "must be valid UTF-8");
  }
}

/** A route that takes no body refuses one rather than ignore what the caller meant by it. */
export async function assertNoBody(request: Request): Promise<void> {
  if (!request.body) return;
  const reader = request.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    if (read.value.byteLength > 0) {
      await reader.cancel().catch(() => undefined);
      throw badRequest("body", "must be empty");
    }
  }
}
