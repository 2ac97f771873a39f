import { listCodes } from "@qr3/db";
import { API_LIMITS, normalizeTag, TagQrZipQuery } from "@qr3/schema/api";
import { Zip, ZipDeflate, ZipPassThrough } from "fflate";
import type { ApiRequest } from "../context.ts";
import { badRequest, notFound } from "../errors.ts";
import { readLogoImage } from "../logos/store.ts";
import { designOf, logoOf, shortUrl } from "../present.ts";
import { fileStem, uniqueFileNames } from "../qr-files.ts";
import { parseWith } from "../validation.ts";
import { assertPngWidth, drawQr, imageSize, pngSizeField } from "./qr.ts";
import { pathSegment } from "./tag-scans.ts";

/**
 * GET /v1/tags/:tag/qr.zip: every code carrying the tag, each in its stored design, as one ZIP
 * for a print shop: files named by the code's name (or short code), each name unique. The archive
 * is streamed, each image drawn as the reader takes the one before, so memory holds one image at a
 * time. SVG is compressed; PNG and PDF, compressed already, are stored as they are.
 */
export async function tagQrZipRoute(request: ApiRequest, env: Env): Promise<Response> {
  const tag = normalizeTag(pathSegment(request.params.tag ?? "", "tag"));
  const query = parseWith(TagQrZipQuery, request.query);
  const { max, png_megapixels_max } = API_LIMITS.tag_qr_zip;
  const codes = await listCodes(request.db, request.auth.workspaceId, { tags: [tag], sort: "created_at", after: null, limit: max + 1 });
  if (codes.length === 0) throw notFound("Tag");
  if (codes.length > max) throw badRequest("tag", `carries more than ${max} codes: one archive holds at most ${max}`);
  const size = imageSize(query.format, query);
  if (size.px !== undefined) {
    // Square images at the least: a frame's band only adds to this.
    const megapixels = (codes.length * size.px ** 2) / 1e6;
    if (megapixels > png_megapixels_max) {
      throw badRequest(pngSizeField(query), `${codes.length} PNGs of ${size.px} px are ${Math.round(megapixels)} million pixels: one archive holds at most ${png_megapixels_max} million; choose a smaller size, or SVG or PDF`);
    }
  }

  // Every code's PNG width is checked before the first is drawn: a refusal is a 400, not a broken archive.
  const images = codes.map((code) => ({ code, text: shortUrl(code, env.PUBLIC_BASE_URL), design: designOf(code) }));
  if (size.px !== undefined) for (const image of images) assertPngWidth(size.px, image, image.code.logo !== null, query);
  const names = uniqueFileNames(codes, query.format);
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const zip = new Zip((err, chunk, final) => {
    if (err) return controller.error(err);
    controller.enqueue(chunk);
    if (final) controller.close();
  });
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    start: (c) => void (controller = c),
    pull: async () => {
      if (next === codes.length) return zip.end();
      const { code, text, design } = images[next]!;
      const name = names[next++]!;
      const logo = await readLogoImage(env.LOGOS, code.workspace_id, code.id, logoOf(code));
      const drawn = await drawQr({ text, design, logo, format: query.format, size });
      const file = query.format === "svg" ? new ZipDeflate(name, { level: 6 }) : new ZipPassThrough(name);
      zip.add(file);
      file.push(typeof drawn === "string" ? new TextEncoder().encode(drawn) : drawn, true);
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "application/zip",
      "content-disposition": `attachment; filename="qr3-${fileStem(tag) || "tag"}-${query.format}.zip"`,
    },
  });
}
