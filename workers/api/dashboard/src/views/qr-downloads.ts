// Downloads of QR images, each drawn by the API (download=true, named by it): a code's SVG, PNG at
// a width in pixels or in millimetres at a resolution, and PDF at a width in millimetres with a
// bleed, in the design the designer shows; and a tag's codes, every one in its stored design, as
// one ZIP.
import { ApiError, enc, getFile } from "../api.ts";
import { describe, showError } from "../alerts.ts";
import { busy, errorSlot, field, h, type ErrorSlot } from "../dom.ts";
import { saveBlob } from "../files.ts";
import { qrImagePath } from "../qr.ts";
import { QR_IMAGE_FORMATS, QR_IMAGE_LIMITS, type QrImageFormat } from "@qr3/schema/qr-style";
import type { Code } from "@qr3/schema/api";

const { size, size_mm, dpi, bleed_mm } = QR_IMAGE_LIMITS;
const FORMAT_WORDS: Record<QrImageFormat, string> = { svg: "SVG (vector)", png: "PNG", pdf: "PDF (print)" };

/** A number input of `limits`, its error beside it. */
function sizeInput(name: string, label: string, limits: { min: number; max: number; default: number }, step: number | "any", more = "") {
  const input = h("input", { type: "number", name, min: limits.min, max: limits.max, step, value: limits.default, inputmode: "decimal" });
  const wrap = field(label, input, `${limits.min} to ${limits.max}${more}.`);
  const slot = errorSlot(input);
  wrap.append(slot.el);
  return { input, wrap, slot };
}

/** Fetches `path` and saves it under the name the API gives; a 400 naming one of `slots` is shown there. */
async function download(path: string, fallback: string, signal: AbortSignal, slots: Record<string, ErrorSlot>): Promise<void> {
  for (const slot of Object.values(slots)) slot.clear();
  try {
    const file = await getFile(path, { signal, fields: { size: "width", size_mm: "width", dpi: "resolution", bleed_mm: "bleed" } });
    saveBlob(file.blob, file.filename ?? fallback);
  } catch (err) {
    if (signal.aborted) return;
    const slot = err instanceof ApiError && err.status === 400 && err.field ? slots[err.field] : undefined;
    if (slot) slot.show(describe(err));
    else showError(err);
  }
}

/** A code's downloads; `overrides` is the design shown, as query fields over the stored one. */
export function qrDownloads(code: Code, signal: AbortSignal, overrides: () => URLSearchParams): HTMLElement {
  const png = sizeInput("size", "PNG width (pixels)", size, 1);
  const printWidth = sizeInput("size_mm", "Print PNG width (mm)", size_mm, "any");
  const printDpi = sizeInput("dpi", "Print PNG resolution (dpi)", { min: dpi.min, max: dpi.max, default: dpi.suggested }, 1, ", stated in the file");
  const pdf = sizeInput("size_mm", "PDF width (mm)", size_mm, "any");
  const bleed = sizeInput("bleed_mm", "PDF bleed (mm)", bleed_mm, "any", ", past the trim on every side");

  const button = (format: QrImageFormat, sizes: () => Record<string, string>, slots: Record<string, ErrorSlot>, label = `Download ${format.toUpperCase()}`) => {
    const el = h("button", { type: "button", class: "secondary" }, label);
    el.addEventListener("click", () =>
      void busy(el, () => {
        const params = overrides();
        for (const [k, v] of Object.entries(sizes())) params.set(k, v.trim());
        params.set("download", "true");
        return download(qrImagePath(code.id, format, params), `qr3-${code.short_code}.${format}`, signal, slots);
      }),
    );
    return el;
  };

  return h(
    "div",
    { class: "qr-downloads stack" },
    h("div", { class: "actions" }, button("svg", () => ({}), {})),
    h("div", { class: "qr-download-row" }, png.wrap, h("div", { class: "actions" }, button("png", () => ({ size: png.input.value }), { size: png.slot }))),
    h(
      "div",
      { class: "qr-download-row" },
      printWidth.wrap,
      printDpi.wrap,
      h(
        "div",
        { class: "actions" },
        button("png", () => ({ size_mm: printWidth.input.value, dpi: printDpi.input.value }), { size_mm: printWidth.slot, dpi: printDpi.slot }, "Download print PNG"),
      ),
    ),
    h(
      "div",
      { class: "qr-download-row" },
      pdf.wrap,
      bleed.wrap,
      h("div", { class: "actions" }, button("pdf", () => ({ size_mm: pdf.input.value, bleed_mm: bleed.input.value }), { size_mm: pdf.slot, bleed_mm: bleed.slot })),
    ),
  );
}

/** Every code of `tag` as one ZIP of images in the format chosen. */
export function tagZipDownload(tag: () => string, signal: AbortSignal): HTMLElement {
  const format = h("select", { name: "zip_format" }, QR_IMAGE_FORMATS.map((f) => h("option", { value: f }, FORMAT_WORDS[f])));
  const slot = errorSlot(format);
  const formatField = field("Image format", format, "Each code in its saved design, named by its name or short code.");
  formatField.append(slot.el);
  const el = h("button", { type: "button", class: "secondary" }, "Download all as ZIP");
  el.addEventListener("click", () =>
    void busy(el, () => {
      const path = `/v1/tags/${enc(tag())}/qr.zip?${new URLSearchParams({ format: format.value })}`;
      return download(path, `qr3-${tag()}-${format.value}.zip`, signal, { format: slot, tag: slot });
    }),
  );
  return h("div", { class: "qr-zip" }, formatField, h("div", { class: "actions" }, el));
}
