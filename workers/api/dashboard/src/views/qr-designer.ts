// A code's QR image and its design. The preview is the API's own SVG of the design as it stands in
// the form (the unsaved fields as query overrides, fetched a moment after the last change, each
// request aborting the one before), so what is shown is what prints. Presets, every field of the
// design, Save (PATCH qr_style, the API's refusal shown at the field it names) and Reset to
// default; the logo (qr-logo.ts) and the downloads (qr-downloads.ts) of the design shown.
import { can } from "../access.ts";
import { ApiError, enc, getFile, send } from "../api.ts";
import { describe, showError, showNotice } from "../alerts.ts";
import { busy, checkField, errorSlot, field, h, type ErrorSlot } from "../dom.ts";
import { designOverrides, qrImagePath } from "../qr.ts";
import { QR_PRESETS } from "../qr-presets.ts";
import {
  DEFAULT_CTA,
  normalColour,
  QR_ECC_LEVELS,
  QR_EYE_SHAPES,
  QR_FRAMES,
  QR_MODULE_SHAPES,
  QR_STYLE_LIMITS,
  type QrEcc,
  type QrEyeShape,
  type QrFrame,
  type QrModuleShape,
  type QrStyle,
} from "@qr3/schema/qr-style";
import type { Code, Envelope } from "@qr3/schema/api";
import { qrDownloads } from "./qr-downloads.ts";
import { qrLogo } from "./qr-logo.ts";

/** How long the form rests before the preview is drawn again. */
const PREVIEW_DELAY_MS = 250;

const ECC_WORDS: Record<QrEcc, string> = { L: "L (low)", M: "M (medium)", Q: "Q (quartile)", H: "H (high)" };
const MODULE_WORDS: Record<QrModuleShape, string> = { square: "Squares", dots: "Dots", rounded: "Rounded" };
const EYE_WORDS: Record<QrEyeShape, string> = { square: "Square", rounded: "Rounded", circle: "Circle" };
const FRAME_WORDS: Record<QrFrame, string> = { none: "None", box: "Box", banner: "Banner" };

/** How the design's fields read in the API's errors, under qr_style (a save) or alone (a preview). */
const FIELD_WORDS: Record<keyof QrStyle, string> = {
  foreground: "foreground colour",
  background: "background colour",
  ecc: "error correction",
  margin: "margin",
  modules: "module shape",
  eyes: "eye shape",
  inverted: "inverted setting",
  frame: "frame",
  cta: "call to action",
};
const ERROR_WORDS: Record<string, string> = {
  qr_style: "design",
  ...Object.fromEntries(Object.entries(FIELD_WORDS).flatMap(([k, v]) => [[k, v], [`qr_style.${k}`, v]])),
};

const select = <T extends string>(name: string, values: readonly T[], words: Record<T, string>) =>
  h("select", { name }, values.map((v) => h("option", { value: v }, words[v])));

export function qrDesigner(initial: Code, signal: AbortSignal, changed: (code: Code) => void): HTMLElement {
  let code = initial;
  const canWrite = can("codes:write");

  // The controls, one per field of the design.
  const foreground = h("input", { type: "color", name: "foreground" });
  const background = h("input", { type: "color", name: "background" });
  const transparent = h("input", { type: "checkbox", name: "transparent" });
  const ecc = select("ecc", QR_ECC_LEVELS, ECC_WORDS);
  const { min, max } = QR_STYLE_LIMITS.margin;
  const margin = h("input", { type: "number", name: "margin", min, max, step: 1, inputmode: "numeric" });
  const modules = select("modules", QR_MODULE_SHAPES, MODULE_WORDS);
  const eyes = select("eyes", QR_EYE_SHAPES, EYE_WORDS);
  const frame = select("frame", QR_FRAMES, FRAME_WORDS);
  const cta = h("input", { type: "text", name: "cta", maxlength: QR_STYLE_LIMITS.cta.max, placeholder: DEFAULT_CTA, autocomplete: "off" });
  const inverted = h("input", { type: "checkbox", name: "inverted" });

  const fields = {
    foreground: field("Foreground colour", foreground),
    background: field("Background colour", background),
    transparent: checkField("Transparent background", transparent, "The paper shows through; judged as white for contrast."),
    ecc: field("Error correction", ecc, "Higher levels survive more damage, with denser modules. With a logo it is H."),
    margin: field("Margin (modules)", margin, `The quiet zone around the code, ${min} to ${max} modules.`),
    modules: field("Module shape", modules),
    eyes: field("Eye shape", eyes, "The three corner squares."),
    frame: field("Frame", frame, "Box: a border, the call to action beneath. Banner: a band beneath, the call to action cut out of it."),
    cta: field("Call to action", cta, `Shown with a frame, at most ${QR_STYLE_LIMITS.cta.max} characters. Left empty, “${DEFAULT_CTA}”.`),
    inverted: checkField("Inverted (light on dark)", inverted, "Needed for a light foreground on a dark background; not every scanner reads one."),
  };
  const slots: Partial<Record<keyof QrStyle, ErrorSlot>> = {};
  for (const [name, input] of [["foreground", foreground], ["background", background], ["ecc", ecc], ["margin", margin], ["modules", modules], ["eyes", eyes], ["frame", frame], ["cta", cta], ["inverted", inverted]] as const) {
    const slot = errorSlot(input);
    fields[name].append(slot.el);
    slots[name] = slot;
  }
  const general = h("p", { class: "form-error", hidden: true });

  /** The design as the form has it. */
  const read = (): QrStyle => ({
    foreground: foreground.value,
    background: transparent.checked ? "transparent" : background.value,
    ecc: ecc.value as QrEcc,
    margin: margin.value.trim() === "" ? NaN : Number(margin.value),
    modules: modules.value as QrModuleShape,
    eyes: eyes.value as QrEyeShape,
    inverted: inverted.checked,
    frame: frame.value as QrFrame,
    cta: cta.value.trim() || null,
  });
  const show = (design: QrStyle) => {
    foreground.value = normalColour(design.foreground);
    transparent.checked = design.background === "transparent";
    if (!transparent.checked) background.value = normalColour(design.background);
    background.disabled = transparent.checked;
    ecc.value = design.ecc;
    margin.value = String(design.margin);
    modules.value = design.modules;
    eyes.value = design.eyes;
    frame.value = design.frame;
    cta.value = design.cta ?? "";
    cta.disabled = design.frame === "none";
    inverted.checked = design.inverted;
  };
  const overrides = () => (canWrite ? designOverrides(read(), code.qr_style) : new URLSearchParams());

  function clearErrors(): void {
    for (const slot of Object.values(slots)) slot.clear();
    general.hidden = true;
  }
  /** The API's 400 at the field it names (qr_style.foreground, or foreground for a preview). */
  function showFieldError(err: unknown): void {
    const name = err instanceof ApiError && err.field ? err.field.replace(/^qr_style\.?/, "") : "";
    const slot = slots[name as keyof QrStyle];
    if (slot) slot.show(describe(err));
    else {
      general.textContent = describe(err);
      general.hidden = false;
    }
  }

  // The preview.
  const box = h("div", { class: "qr-box", role: "img", "aria-label": `QR code for ${code.short_url}` }, h("p", { class: "muted small" }, "Loading QR code…"));
  const previewStatus = h("p", { class: "hint", role: "status" });
  let img: HTMLImageElement | null = null;
  let shownUrl: string | null = null;
  let request: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  signal.addEventListener("abort", () => {
    clearTimeout(timer);
    if (shownUrl) URL.revokeObjectURL(shownUrl);
  }, { once: true });

  async function drawPreview(): Promise<void> {
    request?.abort();
    const mine = new AbortController();
    request = mine;
    box.setAttribute("aria-busy", "true");
    try {
      const file = await getFile(qrImagePath(code.id, "svg", overrides()), { signal: AbortSignal.any([signal, mine.signal]), fields: ERROR_WORDS });
      if (request !== mine) return;
      if (shownUrl) URL.revokeObjectURL(shownUrl);
      shownUrl = URL.createObjectURL(file.blob);
      if (!img) {
        img = h("img", { alt: "" });
        box.replaceChildren(img);
      }
      img.src = shownUrl;
      previewStatus.textContent = overrides().size ? "Preview of the unsaved design: downloads are of it too. Save to keep it." : "";
    } catch (err) {
      if (mine.signal.aborted || signal.aborted) return;
      if (err instanceof ApiError && err.status === 400) {
        showFieldError(err);
        previewStatus.textContent = "This design would not scan: the preview shows the last one that does.";
      } else {
        if (!img) box.replaceChildren(h("p", { class: "muted small" }, "The QR code could not be loaded."));
        showError(err);
      }
    } finally {
      if (request === mine) {
        box.removeAttribute("aria-busy");
        request = null;
      }
    }
  }
  const redraw = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void drawPreview(), PREVIEW_DELAY_MS);
  };

  const downloads = qrDownloads(code, signal, overrides);
  const qrCard = h(
    "section",
    { class: "card qr-card", "aria-labelledby": "qr-heading" },
    h("h2", { id: "qr-heading" }, "QR code"),
    box,
    previewStatus,
    downloads,
    h("p", { class: "hint" }, "The image encodes the short link, so a printed code keeps working when you change the destination."),
  );
  show(code.qr_style);
  void drawPreview();
  if (!canWrite) return qrCard;

  // Presets, the form, Save and Reset.
  const presets = h(
    "fieldset",
    { class: "presets" },
    h("legend", null, "Presets"),
    h("div", { class: "actions" }, QR_PRESETS.map((p) => h("button", { type: "button", class: "secondary small-button", onclick: () => { show(p.design); onChange(); } }, p.name))),
  );
  const save = h("button", { type: "submit" }, "Save design");
  const reset = h("button", { type: "button", class: "secondary" }, "Reset to default");
  const form = h(
    "form",
    { class: "stack qr-form", novalidate: true, "aria-label": "QR design" },
    presets,
    h("div", { class: "qr-colours" }, fields.foreground, fields.background),
    fields.transparent,
    fields.inverted,
    fields.modules,
    fields.eyes,
    fields.frame,
    fields.cta,
    fields.ecc,
    fields.margin,
    general,
    h("div", { class: "actions" }, save, reset),
  );
  function onChange(): void {
    background.disabled = transparent.checked;
    cta.disabled = frame.value === "none";
    clearErrors();
    redraw();
  }
  form.addEventListener("input", onChange);
  form.addEventListener("change", onChange);

  async function store(qrStyle: QrStyle | null, notice: string): Promise<void> {
    clearErrors();
    try {
      const { data } = await send<Envelope<Code>>("PATCH", `/v1/codes/${enc(code.id)}`, { qr_style: qrStyle }, { signal, fields: ERROR_WORDS });
      code = data;
      show(data.qr_style);
      showNotice(notice);
      changed(data);
      void drawPreview();
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ApiError && err.status === 400) showFieldError(err);
      else showError(err);
    }
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void busy(save, () => store(read(), "Design saved."));
  });
  reset.addEventListener("click", () => void busy(reset, () => store(null, "Design reset to the default.")));

  const designCard = h("section", { class: "card", "aria-labelledby": "design-heading" }, h("h2", { id: "design-heading" }, "Design"), form);
  const logo = qrLogo(code, signal, (data) => {
    code = data;
    changed(data);
    void drawPreview();
  });
  return h("div", { class: "stack" }, qrCard, designCard, logo);
}
