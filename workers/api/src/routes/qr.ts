import { sha256Hex } from "@qr3/core";
import { QR_IMAGE_LIMITS, QR_STYLE_FIELDS, type QrImageFormat, type QrStyle } from "@qr3/schema/qr-style";
import { QrPdfQuery, QrPngQuery, QrSvgQuery } from "@qr3/schema/api";
import type { CodeRow } from "@qr3/db";
import type { ApiRequest } from "../context.ts";
import { badRequest } from "../errors.ts";
import { readLogoImage } from "../logos/store.ts";
import { designOf, logoOf, shortUrl } from "../present.ts";
import { changedDesign } from "../qr-design.ts";
import { codeFileName } from "../qr-files.ts";
import { DRAWING_REVISION, drawingWidth } from "../qr/drawing.ts";
import { renderQrPdf } from "../qr/pdf.ts";
import { renderQrPng } from "../qr/png.ts";
import { renderQrSvg } from "../qr/svg.ts";
import type { QrLogoImage } from "../qr/types.ts";
import { parseWith } from "../validation.ts";
import { findCode } from "./codes.ts";

// GET /v1/codes/:id/qr.svg, qr.png and qr.pdf: the code's QR image, encoding its public short
// link (which never changes with the destination, so a printed code keeps working), in its stored
// design with any design field of the query put over it (a preview before saving). Each answer
// carries an ETag of everything it is drawn from, and a request naming it is answered 304.

const MEDIA: Record<QrImageFormat, string> = { svg: "image/svg+xml; charset=utf-8", png: "image/png", pdf: "application/pdf" };

/** What an image is drawn from: the link, the design, the logo, the format and its size. */
export interface QrImage {
  text: string;
  design: QrStyle;
  logo: QrLogoImage | null;
  format: QrImageFormat;
  /** PNG: the width in pixels (and the resolution it was sized for); PDF: millimetres and bleed. */
  size: { px?: number; dpi?: number; size_mm?: number; bleed_mm?: number };
}

/** The stored design with the query's design fields over it: refused, like a stored one, if its colours would not scan. */
function previewDesign(code: CodeRow, query: Partial<Record<keyof QrStyle, unknown>>): QrStyle {
  const change = Object.fromEntries(QR_STYLE_FIELDS.filter((f) => query[f] !== undefined).map((f) => [f, query[f]]));
  if (Object.keys(change).length === 0) return designOf(code);
  return changedDesign(designOf(code), change, "");
}

/** A PNG's width in pixels: `size`, or `size_mm` at `dpi`. */
export function pngWidth(query: { size?: number | undefined; size_mm?: number | undefined; dpi?: number | undefined }): number {
  if (query.size_mm === undefined || query.dpi === undefined) return query.size ?? QR_IMAGE_LIMITS.size.default;
  const px = Math.round((query.size_mm / 25.4) * query.dpi);
  const { min, max } = QR_IMAGE_LIMITS.size;
  if (px < min || px > max) throw badRequest("size_mm", `at ${query.dpi} dpi is ${px} pixels wide: a PNG is ${min} to ${max} pixels`);
  return px;
}

/** The size an image of `format` is drawn at, from a query's size fields (and their defaults). */
export function imageSize(
  format: QrImageFormat,
  query: { size?: number | undefined; size_mm?: number | undefined; dpi?: number | undefined; bleed_mm?: number | undefined },
): QrImage["size"] {
  switch (format) {
    case "svg":
      return {};
    case "png":
      return { px: pngWidth(query), ...(query.size_mm !== undefined && query.dpi !== undefined ? { dpi: query.dpi } : {}) };
    case "pdf":
      return { size_mm: query.size_mm ?? QR_IMAGE_LIMITS.size_mm.default, bleed_mm: query.bleed_mm ?? QR_IMAGE_LIMITS.bleed_mm.default };
  }
}

/** The query field a PNG's width came from, for a refusal to name. */
export const pngSizeField = (query: { size_mm?: number | undefined }) => (query.size_mm === undefined ? "size" : "size_mm");

/** A 400 naming the size's field unless a PNG `px` wide gives the image QR_IMAGE_LIMITS.px_per_module_min pixels a module. */
export function assertPngWidth(px: number, image: Pick<QrImage, "text" | "design">, withLogo: boolean, query: { size_mm?: number | undefined }): void {
  const modules = drawingWidth(image.text, image.design, withLogo);
  const least = Math.ceil(modules * QR_IMAGE_LIMITS.px_per_module_min);
  if (px < least) {
    throw badRequest(pngSizeField(query), `${px} pixels give this design ${(px / modules).toFixed(1)} pixels a module: it needs at least ${least} (${QR_IMAGE_LIMITS.px_per_module_min} a module) to scan`);
  }
}

/** The image's bytes (or text, for SVG). */
export async function drawQr(image: QrImage): Promise<string | Uint8Array> {
  switch (image.format) {
    case "svg":
      return renderQrSvg(image.text, image.design, image.logo);
    case "png":
      return renderQrPng(image.text, image.design, image.logo, image.size.px!, image.size.dpi);
    case "pdf":
      return renderQrPdf(image.text, image.design, image.logo, { size_mm: image.size.size_mm!, bleed_mm: image.size.bleed_mm! });
  }
}

/** A strong ETag: the same inputs always draw the same bytes. */
async function etagOf(image: QrImage, logoSha: string | null): Promise<string> {
  const facts = JSON.stringify([DRAWING_REVISION, image.format, image.text, image.design, logoSha, image.size]);
  return `"${(await sha256Hex(facts)).slice(0, 32)}"`;
}

/** Whether If-None-Match names this ETag (or is *). */
const matches = (header: string | null, etag: string) =>
  header !== null && header.split(",").some((tag) => ["*", etag, `W/${etag}`].includes(tag.trim()));

// The code is found before the query is read: another workspace's code is a 404 whatever the query.
async function serveImage(
  env: Env,
  request: ApiRequest,
  code: CodeRow,
  format: QrImageFormat,
  size: QrImage["size"],
  query: Partial<Record<keyof QrStyle, unknown>> & { download: boolean; size_mm?: number | undefined },
): Promise<Response> {
  const design = previewDesign(code, query);
  const facts = logoOf(code);
  const logo = await readLogoImage(env.LOGOS, code.workspace_id, code.id, facts);
  const image: QrImage = { text: shortUrl(code, env.PUBLIC_BASE_URL), design, logo, format, size };
  if (format === "png") assertPngWidth(size.px!, image, logo !== null, query);
  const etag = await etagOf(image, logo ? facts!.sha256 : null);
  const headers = {
    etag,
    "cache-control": "private, max-age=3600",
    "content-disposition": `${query.download ? "attachment" : "inline"}; filename="${codeFileName(code, format)}"`,
  };
  if (matches(request.headers.get("if-none-match"), etag)) return new Response(null, { status: 304, headers });
  return new Response(await drawQr(image), { headers: { ...headers, "content-type": MEDIA[format] } });
}

export async function codeQrSvgRoute(request: ApiRequest, env: Env): Promise<Response> {
  const code = await findCode(request);
  const query = parseWith(QrSvgQuery, request.query);
  return serveImage(env, request, code, "svg", imageSize("svg", {}), query);
}

export async function codeQrPngRoute(request: ApiRequest, env: Env): Promise<Response> {
  const code = await findCode(request);
  const query = parseWith(QrPngQuery, request.query);
  return serveImage(env, request, code, "png", imageSize("png", query), query);
}

export async function codeQrPdfRoute(request: ApiRequest, env: Env): Promise<Response> {
  const code = await findCode(request);
  const query = parseWith(QrPdfQuery, request.query);
  return serveImage(env, request, code, "pdf", imageSize("pdf", query), query);
}
