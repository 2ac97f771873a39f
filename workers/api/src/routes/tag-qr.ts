import { listCodes } from "@qr3/db";
import { API_LIMITS, normalizeTag, TagQrZipQuery } from "@qr3/schema/api";
import { QR_IMAGE_LIMITS } from "@qr3/schema/qr-style";
import { zipSync, type Zippable } from "fflate";
import type { ApiRequest } from "../context.ts";
import { badRequest, notFound } from "../errors.ts";
import { readLogoImage } from "../logos/store.ts";
import { designOf, logoOf, shortUrl } from "../present.ts";
import { fileStem, uniqueFileNames } from "../qr-files.ts";
import { parseWith } from "../validation.ts";
import { drawQr, pngWidth } from "./qr.ts";
import { pathSegment } from "./tag-scans.ts";

/**
 * GET /v1/tags/:tag/qr.zip: every code carrying the tag, each in its stored design, as one ZIP
 * for a print shop: files named by the code's name (or short code), each name unique. SVG is
 * compressed; PNG and PDF, compressed already, are stored as they are.
 */
export async function tagQrZipRoute(request: ApiRequest, env: Env): Promise<Response> {
  const tag = normalizeTag(pathSegment(request.params.tag ?? "", "tag"));
  const query = parseWith(TagQrZipQuery, request.query);
  const max = API_LIMITS.tag_qr_zip.max;
  const codes = await listCodes(request.db, request.auth.workspaceId, { tags: [tag], sort: "created_at", after: null, limit: max + 1 });
  if (codes.length === 0) throw notFound("Tag");
  if (codes.length > max) throw badRequest("tag", `carries more than ${max} codes: one archive holds at most ${max}`);

  const size =
    query.format === "png"
      ? { px: pngWidth(query) }
      : query.format === "pdf"
        ? { size_mm: query.size_mm ?? QR_IMAGE_LIMITS.size_mm.default, bleed_mm: query.bleed_mm ?? QR_IMAGE_LIMITS.bleed_mm.default }
        : {};
  const names = uniqueFileNames(codes, query.format);
  const files: Zippable = {};
  for (const [i, code] of codes.entries()) {
    const logo = await readLogoImage(env.LOGOS, code.workspace_id, code.id, logoOf(code));
    const drawn = await drawQr({ text: shortUrl(code, env.PUBLIC_BASE_URL), design: designOf(code), logo, format: query.format, size });
    const bytes = typeof drawn === "string" ? new TextEncoder().encode(drawn) : drawn;
    files[names[i]!] = [bytes, { level: query.format === "svg" ? 6 : 0 }];
  }
  const zip = zipSync(files);
  return new Response(zip, {
    headers: {
      "content-type": "application/zip",
      "content-disposition": `attachment; filename="qr3-${fileStem(tag) || "tag"}-${query.format}.zip"`,
    },
  });
}
