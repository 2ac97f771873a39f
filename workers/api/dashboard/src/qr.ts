// A code's QR images as the API draws them: their addresses, with a design not yet saved given as
// query overrides (the API previews it without storing it), and the design's fields as words.
import { DEFAULT_CTA, QR_STYLE_FIELDS, type QrImageFormat, type QrStyle } from "@qr3/schema/qr-style";
import { enc } from "./api.ts";

/** The query fields that make the stored design `stored` into `design`: only those that differ. */
export function designOverrides(design: QrStyle, stored: QrStyle): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of QR_STYLE_FIELDS) {
    if (design[key] === stored[key]) continue;
    // A query cannot say null: the call to action a null stands for is given instead.
    const value = key === "cta" ? (design.cta ?? DEFAULT_CTA) : design[key];
    params.set(key, String(value));
  }
  return params;
}

/** The address of a code's image in `format`, with `params` (design overrides, sizes, download). */
export const qrImagePath = (codeId: string, format: QrImageFormat, params: URLSearchParams) => {
  const query = params.toString();
  return `/v1/codes/${enc(codeId)}/qr.${format}${query ? `?${query}` : ""}`;
};
