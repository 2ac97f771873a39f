import { DEFAULT_QR_STYLE } from "@qr3/schema/qr-style";
import { renderQrSvg } from "../qr/svg.ts";
import type { ApiRequest } from "../context.ts";
import { shortUrl, shortCodeOf } from "../present.ts";
import { QrQuery } from "@qr3/schema/api";
import { parseWith } from "../validation.ts";
import { findCode } from "./codes.ts";

/**
 * GET /v1/codes/:id/qr.svg: the code's QR image, encoding its public short link. The link never
 * changes with the destination, so a printed code keeps working; `ecc` trades size for damage
 * tolerance (L 7%, M 15%, Q 25%, H 30% of the symbol recoverable).
 */
export async function codeQrRoute(request: ApiRequest, env: Env): Promise<Response> {
  const code = await findCode(request);
  const { ecc } = parseWith(QrQuery, request.query);
  const svg = renderQrSvg(shortUrl(code, env.PUBLIC_BASE_URL), { ...DEFAULT_QR_STYLE, ecc });
  return new Response(svg, {
    headers: {
      "content-type": "image/svg+xml; charset=utf-8",
      "content-disposition": `inline; filename="qr3-${shortCodeOf(code)}.svg"`,
      "cache-control": "private, max-age=3600",
    },
  });
}
