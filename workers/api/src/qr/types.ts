import type { QrLogoType } from "@qr3/schema/qr-style";

/** A code's logo as the renderers take it: already checked (and, for SVG, sanitised) on upload. */
export interface QrLogoImage {
  type: QrLogoType;
  bytes: Uint8Array;
  /** Its intrinsic size in pixels (for SVG, its viewBox), for the aspect ratio it is drawn at. */
  width: number;
  height: number;
}
