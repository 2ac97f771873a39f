// A code's logo: what it is, a file to upload as the new one (PUT, the file's bytes as the body)
// and a button to remove it (DELETE). The API checks the file; its refusals are shown beside the
// file input.
import { ApiError, enc, putFile, send } from "../api.ts";
import { describe, showError, showNotice } from "../alerts.ts";
import { busy, errorSlot, field, fill, formatNumber, h } from "../dom.ts";
import { QR_LOGO_LIMITS } from "@qr3/schema/qr-style";
import type { Code, CodeLogo, Envelope } from "@qr3/schema/api";

/** "image/svg+xml" as people say it: "SVG". */
const typeName = (type: string) => (type.split("/")[1] ?? type).replace(/\+xml$/, "").toUpperCase();
const TYPE_NAMES = QR_LOGO_LIMITS.types.map(typeName);
const typeList = `${TYPE_NAMES.slice(0, -1).join(", ")} or ${TYPE_NAMES.at(-1)}`;
const MAX_KB = QR_LOGO_LIMITS.bytes_max / 1024;

const facts = (logo: CodeLogo) => `${typeName(logo.type)}, ${logo.width} × ${logo.height}, ${formatNumber(Math.ceil(logo.bytes / 1024))} KB`;

export function qrLogo(code: Code, signal: AbortSignal, changed: (code: Code) => void): HTMLElement {
  const current = h("p");
  const file = h("input", { type: "file", name: "logo", accept: QR_LOGO_LIMITS.types.join(",") });
  const fileField = field(
    "Upload a logo",
    file,
    `${typeList}, at most ${MAX_KB} KB and ${QR_LOGO_LIMITS.side_max} pixels a side. It is centred on the code.`,
  );
  const error = errorSlot(file);
  fileField.append(error.el);
  const remove = h("button", { type: "button", class: "secondary" }, "Remove logo");

  const showLogo = (logo: CodeLogo | null) => {
    fill(current, logo ? ["Logo: ", facts(logo), "."] : h("span", { class: "muted" }, "No logo."));
    remove.hidden = logo === null;
  };
  showLogo(code.logo);

  file.addEventListener("change", () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    error.clear();
    void (async () => {
      file.disabled = true;
      try {
        // The browser's guess of the type; the API checks it against the bytes.
        const { data } = await putFile<Envelope<Code>>(`/v1/codes/${enc(code.id)}/logo`, chosen, chosen.type || "application/octet-stream", { signal, fields: { body: "image" } });
        showLogo(data.logo);
        showNotice("Logo saved.");
        changed(data);
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof ApiError && err.status === 413) error.show(`The file is larger than ${MAX_KB} KB.`);
        else if (err instanceof ApiError && err.status === 415) error.show(`The file is not an image a logo may be: choose a ${typeList} file.`);
        else if (err instanceof ApiError && err.status === 400) error.show(describe(err));
        else showError(err);
      } finally {
        file.disabled = false;
        file.value = "";
      }
    })();
  });

  remove.addEventListener("click", () =>
    void busy(remove, async () => {
      error.clear();
      try {
        const { data } = await send<Envelope<Code>>("DELETE", `/v1/codes/${enc(code.id)}/logo`, undefined, { signal });
        showLogo(data.logo);
        showNotice("Logo removed.");
        changed(data);
      } catch (err) {
        if (!signal.aborted) showError(err);
      }
    }),
  );

  return h(
    "section",
    { class: "card", "aria-labelledby": "logo-heading" },
    h("h2", { id: "logo-heading" }, "Logo"),
    current,
    fileField,
    h("div", { class: "actions" }, remove),
    h("p", { class: "hint" }, "While the code has a logo its error correction is H, whatever the design says: the logo covers part of the code."),
  );
}
