// One code: its QR image and design (qr-designer.ts), short link, name, tags and external ID,
// destination, status, deletion, redirect settings (routing.ts) and scan analytics.
import { can } from "../access.ts";
import { ApiError, enc, getJson, send } from "../api.ts";
import { describe, showError, showNotice } from "../alerts.ts";
import { busy, field, fill, formError, formatDateTime, h, setTitle } from "../dom.ts";
import { copyControl } from "../files.ts";
import { go, href } from "../nav.ts";
import type { Code, Envelope } from "@qr3/schema/api";
import { API_LIMITS } from "@qr3/schema/api/limits";
import { codeAnalytics } from "./analytics.ts";
import { auditLog } from "./audit.ts";
import { confirmDialog } from "./confirm.ts";
import { qrDesigner } from "./qr-designer.ts";
import { routingSection } from "./routing.ts";
import { badge, setBadge } from "./status.ts";
import { parseTags, tagChips } from "./tags.ts";

const STATUS_TEXT = {
  active: "Active: scans are redirected to the destination and recorded.",
  disabled: "Disabled: scans get a “this code is disabled” page and are not recorded.",
};

/** The page's heading: the name first when there is one, the short code beside it. */
function showTitle(heading: HTMLHeadingElement, code: Code): void {
  if (code.name) fill(heading, code.name, " ", h("span", { class: "mono muted small" }, code.short_code));
  else fill(heading, code.short_code);
  setTitle(code.name ?? code.short_code);
}

/** Name, tags and external ID: shown, and for a key that may change codes, a form to change them. */
function detailsCard(code: Code, signal: AbortSignal, changed: (code: Code) => void): HTMLElement {
  const chips = h("div", null, tagChips(code.tags) ?? h("p", { class: "muted" }, "No tags."));
  const name = h("input", { type: "text", name: "name", value: code.name ?? "", autocomplete: "off", maxlength: API_LIMITS.code_name.max });
  const tags = h("input", { type: "text", name: "tags", value: code.tags.join(", "), autocomplete: "off", spellcheck: "false" });
  const externalId = h("input", { type: "text", name: "external_id", value: code.external_id ?? "", autocomplete: "off", spellcheck: "false", maxlength: API_LIMITS.external_id.max });
  const error = formError(name, tags, externalId);
  const save = h("button", { type: "submit" }, "Save details");
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("Name", name, "Left empty, the code has no name."),
    field("Tags", tags, `Separated by commas, at most ${API_LIMITS.code_tags.max}. Stored in lower case.`),
    field("External ID", externalId, "Your own id for the code, unique in the workspace. Left empty, none."),
    error.el,
    h("div", { class: "actions" }, save),
  );
  const externalText = h("p", null, code.external_id ? ["External ID: ", h("span", { class: "mono" }, code.external_id)] : h("span", { class: "muted" }, "No external ID."));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.clear();
    const body = { name: name.value.trim() || null, tags: parseTags(tags.value), external_id: externalId.value.trim() || null };
    void busy(save, async () => {
      try {
        const { data } = await send<Envelope<Code>>("PATCH", `/v1/codes/${enc(code.id)}`, body, { signal, fields: { external_id: "external ID" } });
        code = data;
        name.value = data.name ?? "";
        tags.value = data.tags.join(", ");
        externalId.value = data.external_id ?? "";
        fill(chips, tagChips(data.tags) ?? h("p", { class: "muted" }, "No tags."));
        fill(externalText, data.external_id ? ["External ID: ", h("span", { class: "mono" }, data.external_id)] : h("span", { class: "muted" }, "No external ID."));
        showNotice("Details saved.");
        changed(data);
      } catch (err) {
        if (signal.aborted) return;
        showError(err);
        const at = err instanceof ApiError && err.field ? err.field.split(".")[0] : null;
        const invalid = at === "name" ? name : at === "tags" ? tags : at === "external_id" ? externalId : null;
        error.show(describe(err), invalid);
        (invalid ?? name).focus();
      }
    });
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": "details-heading" },
    h("h2", { id: "details-heading" }, "Details"),
    chips,
    externalText,
    can("codes:write") ? form : null,
  );
}

function render(main: HTMLElement, heading: HTMLHeadingElement, code: Code, signal: AbortSignal): void {
  showTitle(heading, code);

  const statusBadge = badge(code.status);
  // The code's changes; reloaded after each change made here.
  const history = auditLog({ signal, resourceId: code.id });
  const destination = h("a", { href: code.url, rel: "noopener noreferrer", target: "_blank", class: "wrap" }, code.url);
  const summary = h("p", { class: "summary" }, statusBadge, " ", h("span", { class: "muted" }, `Created ${formatDateTime(code.created_at)}`));

  // Short link and copy.
  // The card's heading is the visible label of this field.
  const linkInput = h("input", { type: "text", readonly: true, value: code.short_url, class: "mono", "aria-label": "Short link" });
  const copy = copyControl("Copy link", () => code.short_url, () => linkInput.select());
  const linkCard = h(
    "section",
    { class: "card", "aria-labelledby": "link-heading" },
    h("h2", { id: "link-heading" }, "Short link"),
    h("div", { class: "inline-field" }, linkInput, copy.button),
    copy.status,
    h("p", { class: "hint" }, code.domain ? ["On the branded domain ", h("strong", null, code.domain), "."] : "On the qr3 short domain."),
  );

  // Destination.
  const urlInput = h("input", { type: "url", name: "url", required: true, value: code.url, autocomplete: "url", spellcheck: "false" });
  const urlError = formError(urlInput);
  const save = h("button", { type: "submit" }, "Save destination");
  const form = h("form", { class: "stack", novalidate: true }, field("New destination URL", urlInput), urlError.el, h("div", { class: "actions" }, save));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    urlError.clear();
    void busy(save, async () => {
      try {
        const { data } = await send<Envelope<Code>>("PATCH", `/v1/codes/${enc(code.id)}`, { url: urlInput.value.trim() }, { signal, fields: { url: "destination URL" } });
        code = data;
        destination.href = data.url;
        destination.textContent = data.url;
        showNotice(`Destination saved. ${data.short_url} now sends people to ${data.url}.`);
        void history.reload();
      } catch (err) {
        if (signal.aborted) return;
        showError(err);
        urlError.show(describe(err), err instanceof ApiError && err.field === "url" ? urlInput : null);
        urlInput.focus();
      }
    });
  });
  const destinationCard = h(
    "section",
    { class: "card", "aria-labelledby": "destination-heading" },
    h("h2", { id: "destination-heading" }, "Destination"),
    h("p", null, "Scans currently go to ", destination, "."),
    can("codes:write") ? form : null,
  );

  // Status: disable / enable.
  const statusText = h("p", null, STATUS_TEXT[code.status]);
  const toggle = h("button", { type: "button", class: "secondary" }, code.status === "active" ? "Disable" : "Enable");
  toggle.addEventListener("click", () =>
    void busy(toggle, async () => {
      const status = code.status === "active" ? "disabled" : "active";
      try {
        const { data } = await send<Envelope<Code>>("PATCH", `/v1/codes/${enc(code.id)}`, { status }, { signal });
        code = data;
        setBadge(statusBadge, data.status);
        statusText.textContent = STATUS_TEXT[data.status];
        toggle.textContent = data.status === "active" ? "Disable" : "Enable";
        showNotice(data.status === "active" ? `${data.short_code} is enabled again.` : `${data.short_code} is disabled.`);
        void history.reload();
      } catch (err) {
        if (!signal.aborted) showError(err);
      }
    }),
  );

  // Delete, after a confirmation.
  const remove = h("button", { type: "button", class: "danger" }, "Delete");
  remove.addEventListener("click", () =>
    confirmDialog({
      title: `Delete ${code.short_code}?`,
      message: `${code.short_url} stops working at once, printed QR codes with it included, and the code's scans are deleted. This cannot be undone.`,
      confirm: "Yes, delete",
      action: async () => {
        await send<void>("DELETE", `/v1/codes/${enc(code.id)}`, undefined, { signal });
        go(href.codes, { notice: `Code ${code.short_code} deleted.`, replace: true });
      },
    }),
  );
  const statusCard = h(
    "section",
    { class: "card", "aria-labelledby": "status-heading" },
    h("h2", { id: "status-heading" }, "Status"),
    statusText,
    // Changing the code is for a key that may.
    ...(can("codes:write")
      ? [
          h("div", { class: "actions" }, toggle),
          h("h3", null, "Delete this code"),
          h("p", { class: "muted" }, "Frees the short code and deletes the code's scans."),
          h("div", { class: "actions" }, remove),
        ]
      : []),
  );

  main.append(
    summary,
    h(
      "div",
      { class: "code-grid" },
      qrDesigner(code, signal, (data) => {
        code = data;
        void history.reload();
      }),
      h(
        "div",
        { class: "stack" },
        linkCard,
        detailsCard(code, signal, (data) => {
          code = data;
          showTitle(heading, data);
          void history.reload();
        }),
        destinationCard,
        statusCard,
      ),
    ),
    ...routingSection(code, signal, (data) => {
      code = data;
      void history.reload();
    }),
    ...(can("analytics:read") ? [codeAnalytics(code, signal)] : []),
    history.element,
  );
}

export function codeView(main: HTMLElement, signal: AbortSignal, id: string): void {
  setTitle("Code");
  const heading = h("h1", { tabindex: -1 }, "Code");
  const loading = h("p", { class: "muted" }, "Loading…");
  main.replaceChildren(heading, loading);
  getJson<Envelope<Code>>(`/v1/codes/${enc(id)}`, { signal })
    .then(({ data }) => {
      loading.remove();
      render(main, heading, data, signal);
    })
    .catch((err) => {
      if (signal.aborted) return;
      if (err instanceof ApiError && err.status === 404) {
        heading.textContent = "Code not found";
        loading.replaceChildren("This code does not exist in your workspace; it may have been deleted. ", h("a", { href: href.codes }, "Back to the list"), ".");
      } else {
        loading.textContent = "The code could not be loaded.";
      }
      showError(err);
    });
}
