import type { QrStyle } from "@qr3/schema/qr-style";
import type { QrLogoImage } from "./types.ts";

export async function renderQrPdf(_text: string, _style: QrStyle, _logo: QrLogoImage | null, _options: { size_mm: number; bleed_mm: number }): Promise<Uint8Array> {
  throw new Error("the PDF renderer lands with the renderers' branch");
}
