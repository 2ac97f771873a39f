import { sha256Hex } from "@qr3/core";
import { QR_LOGO_LIMITS, type QrLogoType } from "@qr3/schema/qr-style";
import type { CodeLogo } from "@qr3/schema/api";
import { readAtMost } from "../body.ts";
import { ApiError, badRequest } from "../errors.ts";
import { drawingProblem } from "./drawable.ts";
import { rasterFacts } from "./sniff.ts";
import { sniffType } from "./sniff.ts";
import { sanitiseSvg } from "./sanitise-svg.ts";

// A logo upload read and checked: at most QR_LOGO_LIMITS.bytes_max read whatever the body's
// size, the declared type confirmed by the bytes, an SVG rebuilt from its allow-list. What comes
// out is the logo as stored, with its facts.

const NAMES: Record<QrLogoType, string> = { "image/png": "PNG", "image/jpeg": "JPEG", "image/svg+xml": "SVG" };
const tooLarge = () => new ApiError("PAYLOAD_TOO_LARGE", `body: must be at most ${QR_LOGO_LIMITS.bytes_max} bytes`);

/** The type a content-type header names, if it is one a logo may be. */
function declaredType(header: string | null): QrLogoType | null {
  const type = (header ?? "").split(";")[0]!.trim().toLowerCase();
  return (QR_LOGO_LIMITS.types as readonly string[]).includes(type) ? (type as QrLogoType) : null;
}

export interface LogoUpload {
  facts: CodeLogo;
  /** The bytes stored: the upload's, or for an SVG its sanitised text. */
  bytes: Uint8Array;
}

export async function readLogo(request: Request): Promise<LogoUpload> {
  const type = declaredType(request.headers.get("content-type"));
  if (!type) throw new ApiError("UNSUPPORTED_MEDIA_TYPE", `content-type: must be one of ${QR_LOGO_LIMITS.types.join(", ")}`);
  if (Number(request.headers.get("content-length")) > QR_LOGO_LIMITS.bytes_max) throw tooLarge();
  const body = request.body ? await readAtMost(request.body, QR_LOGO_LIMITS.bytes_max, tooLarge) : new Uint8Array();
  if (body.byteLength === 0) throw badRequest("body", "must hold the image");
  if (sniffType(body) !== type) throw badRequest("body", `is not a ${NAMES[type]}, as its content-type says`);

  let bytes = body;
  let size: { width: number; height: number };
  if (type === "image/svg+xml") {
    const svg = sanitiseSvg(body);
    if ("problem" in svg) throw badRequest("body", svg.problem);
    bytes = new TextEncoder().encode(svg.svg);
    size = svg;
  } else {
    const raster = rasterFacts(type, body);
    if ("problem" in raster) throw badRequest("body", raster.problem);
    size = raster;
  }
  const problem = await drawingProblem(type, bytes, size);
  if (problem) throw badRequest("body", problem);
  return { facts: { type, bytes: bytes.byteLength, width: size.width, height: size.height, sha256: await sha256Hex(bytes) }, bytes };
}
