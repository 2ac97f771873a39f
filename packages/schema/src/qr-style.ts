// What a code's QR design may be, and the rule that keeps it scannable: declared once, zod-free,
// for the API's schema, its renderer and the dashboard's designer; with the limits of a logo and
// of each image format.

export const QR_ECC_LEVELS = ["L", "M", "Q", "H"] as const;
export const QR_MODULE_SHAPES = ["square", "dots", "rounded"] as const;
export const QR_EYE_SHAPES = ["square", "rounded", "circle"] as const;
/** `box`: a border around the symbol with the call to action beneath it; `banner`: a band beneath the symbol with the call to action cut out of it. */
export const QR_FRAMES = ["none", "box", "banner"] as const;

export type QrEcc = (typeof QR_ECC_LEVELS)[number];
export type QrModuleShape = (typeof QR_MODULE_SHAPES)[number];
export type QrEyeShape = (typeof QR_EYE_SHAPES)[number];
export type QrFrame = (typeof QR_FRAMES)[number];

export const QR_STYLE_LIMITS = {
  /** The quiet zone around the symbol, in modules: the specification asks for 4, scanners manage with 2. */
  margin: { min: 2, max: 16, default: 4 },
  /** The least contrast between foreground and background (WCAG's ratio, 1 to 21). */
  contrast_min: 3,
  /** The call to action's length in characters. */
  cta: { min: 1, max: 30 },
} as const;

/** The call to action a frame shows when none is given. */
export const DEFAULT_CTA = "Scan me";

/** A logo at the symbol's centre: what it may be, and how much of the symbol it may cover. */
export const QR_LOGO_LIMITS = {
  bytes_max: 256 * 1024,
  types: ["image/png", "image/jpeg", "image/svg+xml"],
  /**
   * The longest side of a PNG or JPEG logo, in pixels: what the renderers decode (2048 x 2048 RGBA
   * is 16 MB, each time, of a Worker's 128 MB): 87 mm of print at 600 dpi.
   */
  side_max: 2048,
  /** The share of the symbol's area (quiet zone excluded) the cleared area around the logo may take; H recovers 30%. */
  cover_max: 0.2,
} as const;
export type QrLogoType = (typeof QR_LOGO_LIMITS.types)[number];

export const QR_IMAGE_FORMATS = ["svg", "png", "pdf"] as const;
export type QrImageFormat = (typeof QR_IMAGE_FORMATS)[number];

/** The sizes each format is drawn at: PNG in pixels (or millimetres at a resolution), PDF in millimetres with an optional bleed. */
export const QR_IMAGE_LIMITS = {
  size: { min: 64, max: 4096, default: 1024 },
  size_mm: { min: 10, max: 500, default: 50 },
  /** `suggested`: a usual print resolution, where a form starts (the API has no default: size_mm and dpi go together). */
  dpi: { min: 72, max: 1200, suggested: 300 },
  bleed_mm: { min: 0, max: 10, default: 0 },
  /** A PNG's least pixels a module: below two, neither a camera nor a decoder tells modules apart. */
  px_per_module_min: 2,
} as const;

export interface QrStyle {
  foreground: string;
  /** A colour, or "transparent": the print's own background shows through. */
  background: string;
  ecc: QrEcc;
  margin: number;
  modules: QrModuleShape;
  eyes: QrEyeShape;
  /** A light foreground on a dark background, on purpose (not every scanner reads one). */
  inverted: boolean;
  frame: QrFrame;
  /** The call to action a frame shows; null for DEFAULT_CTA. */
  cta: string | null;
}

export const DEFAULT_QR_STYLE: QrStyle = {
  foreground: "#000000",
  background: "#ffffff",
  ecc: "M",
  margin: QR_STYLE_LIMITS.margin.default,
  modules: "square",
  eyes: "square",
  inverted: false,
  frame: "none",
  cta: null,
};

/** A design's fields, in the order stored and presented. */
export const QR_STYLE_FIELDS = Object.keys(DEFAULT_QR_STYLE) as Array<keyof QrStyle>;

/** #rgb or #rrggbb, any case. */
export const HEX_COLOUR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

/** A colour as #rrggbb in lower case. */
export function normalColour(hex: string): string {
  const h = hex.toLowerCase();
  return h.length === 4 ? `#${h[1]}${h[1]}${h[2]}${h[2]}${h[3]}${h[3]}` : h;
}

/** A colour's red, green and blue, 0 to 255. */
export function rgbOf(hex: string): [number, number, number] {
  const c = normalColour(hex);
  return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
}

/** WCAG 2 relative luminance of a colour, 0 (black) to 1 (white). */
export function luminance(hex: string): number {
  const [r, g, b] = rgbOf(hex).map((v) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two colours, 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * Why a design's colours would not scan, as the field to name and the reason; null when they
 * will. A transparent background is judged as white, the paper most codes are printed on.
 */
export function colourProblem(style: Pick<QrStyle, "foreground" | "background" | "inverted">): { field: "foreground" | "background" | "inverted"; message: string } | null {
  const background = style.background === "transparent" ? "#ffffff" : style.background;
  const ratio = contrastRatio(style.foreground, background);
  if (ratio < QR_STYLE_LIMITS.contrast_min) {
    return { field: "foreground", message: `contrast with the background is ${ratio.toFixed(2)}:1, below the ${QR_STYLE_LIMITS.contrast_min}:1 a scanner needs` };
  }
  const lightOnDark = luminance(style.foreground) > luminance(background);
  if (lightOnDark && !style.inverted) return { field: "inverted", message: "a light foreground on a darker background must be set as inverted: true (not every scanner reads one)" };
  if (!lightOnDark && style.inverted) return { field: "inverted", message: "is true, but the foreground is darker than the background" };
  return null;
}

/**
 * A design with a change put over it: each field given replaces the stored one (null for the whole
 * change resets the design to the default), colours as #rrggbb. The result is the design stored
 * whole, so every design stored is one that was checked.
 */
export function mergeQrStyle(base: QrStyle, change: { [K in keyof QrStyle]?: QrStyle[K] | undefined } | null): QrStyle {
  if (change === null) return { ...DEFAULT_QR_STYLE };
  const merged = { ...base };
  for (const key of QR_STYLE_FIELDS) {
    const value = change[key];
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  merged.foreground = normalColour(merged.foreground);
  if (merged.background !== "transparent") merged.background = normalColour(merged.background);
  return merged;
}

/** A design's fields in the order of DEFAULT_QR_STYLE, as stored and presented. */
export const canonicalQrStyle = (style: QrStyle): QrStyle =>
  Object.fromEntries(QR_STYLE_FIELDS.map((k) => [k, style[k]])) as unknown as QrStyle;
