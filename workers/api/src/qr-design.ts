import { canonicalQrStyle, colourProblem, DEFAULT_QR_STYLE, mergeQrStyle, type QrStyle } from "@qr3/schema/qr-style";
import type { QrStyleBody } from "@qr3/schema/api";
import type * as z from "zod/mini";
import { badRequest } from "./errors.ts";
import { missingCharacters } from "./qr/typeface.ts";
import { scanProblem } from "./qr/verify.ts";
import type { QrLogoImage } from "./qr/types.ts";

// A code's design as a write changes it: the change put over the stored design, the colour rule
// and the typeface's characters, and the read-back by a decoder. Only a design that passes all
// three is stored, and it is stored whole (see mergeQrStyle).

export type QrStyleChange = z.output<typeof QrStyleBody> | null;

/** The design `change` makes of `base`, or a 400 naming the field (under `field`, if given): colours that would not scan, a call to action the typeface cannot draw. */
export function changedDesign(base: QrStyle, change: QrStyleChange, field = "qr_style"): QrStyle {
  const design = mergeQrStyle(base, change);
  const name = (f: string) => (field ? `${field}.${f}` : f);
  const problem = colourProblem(design);
  if (problem) throw badRequest(name(problem.field), problem.message);
  const missing = design.cta === null ? [] : missingCharacters(design.cta);
  if (missing.length > 0) throw badRequest(name("cta"), `has characters the frame's typeface cannot draw: ${missing.join(" ")}`);
  return canonicalQrStyle(design);
}

/** The design as stored: its JSON, or null for the default. */
export function storedDesign(design: QrStyle): string | null {
  const json = JSON.stringify(canonicalQrStyle(design));
  return json === JSON.stringify(DEFAULT_QR_STYLE) ? null : json;
}

/** A 400 unless the design (with the logo, which must fit) reads back as the code's link. */
export async function assertScans(text: string, design: QrStyle, logo: QrLogoImage | null, field = "qr_style"): Promise<void> {
  const problem = await scanProblem(text, design, logo);
  if (problem === "no room") throw badRequest(field, "leaves no room on this symbol for a logo that keeps it scannable");
  if (problem === "unreadable") {
    throw badRequest(field, "does not scan: a decoder could not read the image back as the code's link; raise the contrast or the error correction, or choose other shapes");
  }
}
