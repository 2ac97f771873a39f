import * as z from "zod/mini";
import { booleanParam, describedAs } from "./common.ts";
import {
  HEX_COLOUR,
  QR_ECC_LEVELS,
  QR_EYE_SHAPES,
  QR_FRAMES,
  QR_IMAGE_FORMATS,
  QR_IMAGE_LIMITS,
  QR_LOGO_LIMITS,
  QR_MODULE_SHAPES,
  QR_STYLE_LIMITS,
} from "../qr-style.ts";

// A code's QR design as the API takes and shows it, its logo, and the queries of its images. The
// facts (shapes, frames, limits, the colour rule) are in ../qr-style.ts.

const colour = z.string().check(z.regex(HEX_COLOUR, "must be a colour as #rrggbb or #rgb"));
const cta = z.string().check(z.trim(), z.minLength(QR_STYLE_LIMITS.cta.min), z.maxLength(QR_STYLE_LIMITS.cta.max));
const { margin } = QR_STYLE_LIMITS;

/** The design of a code's QR image: every field, the defaults filled. */
export const QrDesign = z
  .object({
    foreground: z.string().register(z.globalRegistry, { description: "The modules' colour, #rrggbb." }),
    background: z.string().register(z.globalRegistry, { description: '#rrggbb, or "transparent".' }),
    ecc: z.enum(QR_ECC_LEVELS).register(z.globalRegistry, { description: "Error correction: L 7%, M 15%, Q 25%, H 30% of the symbol recoverable; H whenever the code has a logo." }),
    margin: z.int().register(z.globalRegistry, { description: "The quiet zone around the symbol, in modules." }),
    modules: z.enum(QR_MODULE_SHAPES),
    eyes: z.enum(QR_EYE_SHAPES).register(z.globalRegistry, { description: "The shape of the three finder patterns." }),
    inverted: z.boolean().register(z.globalRegistry, { description: "A light foreground on a dark background, on purpose." }),
    frame: z.enum(QR_FRAMES),
    cta: z.nullable(z.string()).register(z.globalRegistry, { description: 'The call to action a frame shows; null for "Scan me".' }),
  })
  .register(z.globalRegistry, { id: "QrDesign" });

/** A change of a code's design: the fields given replace the stored ones (null for the whole design resets it). */
export const QrStyleBody = z
  .strictObject({
    foreground: z.optional(colour),
    background: z.optional(z.union([z.literal("transparent"), colour])),
    ecc: z.optional(z.enum(QR_ECC_LEVELS)),
    margin: z.optional(z.int().check(z.minimum(margin.min), z.maximum(margin.max))),
    modules: z.optional(z.enum(QR_MODULE_SHAPES)),
    eyes: z.optional(z.enum(QR_EYE_SHAPES)),
    inverted: z.optional(z.boolean()),
    frame: z.optional(z.enum(QR_FRAMES)),
    cta: z.optional(z.nullable(cta)),
  })
  .register(z.globalRegistry, {
    id: "QrStyleBody",
    description: `Fields given replace the stored design's; the result must scan: contrast at least ${QR_STYLE_LIMITS.contrast_min}:1, a light foreground only with inverted, and read back by a decoder.`,
  });

export const CodeLogo = z
  .object({
    type: z.enum(QR_LOGO_LIMITS.types),
    bytes: z.int(),
    width: z.int().register(z.globalRegistry, { description: "Its width in pixels (for SVG, its viewBox)." }),
    height: z.int(),
    sha256: z.string().register(z.globalRegistry, { description: "Hex digest of the image: changes whenever it is replaced." }),
  })
  .register(z.globalRegistry, { id: "CodeLogo", description: "Centred on the QR image on a cleared area, with error correction H." });
export type CodeLogo = z.output<typeof CodeLogo>;

// Query strings carry text: a colour's "#" arrives as %23, or may be left out.
const colourParam = z
  .pipe(z.string(), z.transform((v: string) => (v.startsWith("#") || v === "transparent" ? v : `#${v}`)))
  .check(z.refine((v: string) => HEX_COLOUR.test(v), "must be a colour as #rrggbb or #rgb"));
const wholeParam = (min: number, max: number) =>
  z
    .pipe(z.string().check(z.regex(/^\d{1,6}$/, "must be a whole number")), z.transform(Number))
    .check(z.minimum(min), z.maximum(max))
    .register(z.globalRegistry, describedAs({ type: "integer", minimum: min, maximum: max }));
const numberParam = (min: number, max: number) =>
  z
    .pipe(z.string().check(z.regex(/^\d{1,4}(\.\d{1,3})?$/, "must be a number")), z.transform(Number))
    .check(z.minimum(min), z.maximum(max))
    .register(z.globalRegistry, describedAs({ type: "number", minimum: min, maximum: max }));
const optionalBoolean = z
  .pipe(z.enum(["true", "false"]), z.transform((v) => v === "true"))
  .register(z.globalRegistry, describedAs({ type: "boolean" }));

/** Every design field as a query parameter: the stored design with these put over it, to preview a change before saving it. */
const designParams = {
  foreground: z.optional(colourParam),
  background: z.optional(z.union([z.literal("transparent"), colourParam])),
  ecc: z.optional(z.enum(QR_ECC_LEVELS)),
  margin: z.optional(wholeParam(margin.min, margin.max)),
  modules: z.optional(z.enum(QR_MODULE_SHAPES)),
  eyes: z.optional(z.enum(QR_EYE_SHAPES)),
  inverted: z.optional(optionalBoolean),
  frame: z.optional(z.enum(QR_FRAMES)),
  cta: z.optional(cta),
  download: booleanParam(false).register(z.globalRegistry, {
    ...describedAs({ type: "boolean", default: false }),
    description: "Answer as an attachment, named by the code's name or short code.",
  }),
};

const { size, size_mm, dpi, bleed_mm } = QR_IMAGE_LIMITS;

export const QrSvgQuery = z.strictObject(designParams);

/** A PNG `size` pixels wide, or `size_mm` wide at `dpi`. */
export const QrPngQuery = z
  .strictObject({
    ...designParams,
    size: z.optional(wholeParam(size.min, size.max)).register(z.globalRegistry, {
      ...describedAs({ type: "integer", minimum: size.min, maximum: size.max, default: size.default }),
      description: `Width in pixels: at least ${QR_IMAGE_LIMITS.px_per_module_min} a module of the image (quiet zone and frame included), or the answer is a 400 naming the least width that scans.`,
    }),
    size_mm: z.optional(numberParam(size_mm.min, size_mm.max)).register(z.globalRegistry, {
      ...describedAs({ type: "number", minimum: size_mm.min, maximum: size_mm.max }),
      description: "Width in millimetres, with dpi, instead of size.",
    }),
    dpi: z.optional(wholeParam(dpi.min, dpi.max)),
  })
  .check(
    z.refine((q) => (q.size_mm === undefined) === (q.dpi === undefined), { message: "size_mm and dpi go together", path: ["dpi"] }),
    z.refine((q) => q.size === undefined || q.size_mm === undefined, { message: "give size or size_mm, not both", path: ["size"] }),
  );

export const QrPdfQuery = z.strictObject({
  ...designParams,
  size_mm: z._default(numberParam(size_mm.min, size_mm.max), size_mm.default).register(z.globalRegistry, {
    ...describedAs({ type: "number", minimum: size_mm.min, maximum: size_mm.max, default: size_mm.default }),
    description: "The image's width in millimetres, bleed excluded.",
  }),
  bleed_mm: z._default(numberParam(bleed_mm.min, bleed_mm.max), bleed_mm.default).register(z.globalRegistry, {
    ...describedAs({ type: "number", minimum: bleed_mm.min, maximum: bleed_mm.max, default: bleed_mm.default }),
    description: "The background extended past the trim on every side, for a print shop's cut.",
  }),
});

/** Every code of a tag, each in its stored design, as one format. */
export const TagQrZipQuery = z
  .strictObject({
    format: z._default(z.enum(QR_IMAGE_FORMATS), "svg"),
    size: z.optional(wholeParam(size.min, size.max)),
    size_mm: z.optional(numberParam(size_mm.min, size_mm.max)),
    dpi: z.optional(wholeParam(dpi.min, dpi.max)),
    bleed_mm: z.optional(numberParam(bleed_mm.min, bleed_mm.max)),
  })
  .check(z.refine((q) => q.dpi === undefined || q.size_mm !== undefined, { message: "dpi needs size_mm", path: ["dpi"] }));
