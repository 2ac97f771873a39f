import { can } from "../access.ts";
import { ApiError, enc, getJson, send } from "../api.ts";
import { showError, showNotice } from "../alerts.ts";
import { busy, field, formError, formatNumber, h, setTitle } from "../dom.ts";
import { href } from "../nav.ts";
import { SHORT_CODE_LENGTH } from "@qr3/core/short-code";
import type { Code, Envelope, Page } from "@qr3/schema/api";
import { badge } from "./status.ts";

const PAGE_SIZE = 50;

function codeRow(code: Code): HTMLTableRowElement {
  return h(
    "tr",
    null,
    h(
      "td",
      { "data-label": "Short link" },
      h("a", { href: href.code(code.id), class: "code-link" }, code.short_code),
      h("span", { class: "muted small block" }, code.short_url),
    ),
    h("td", { "data-label": "Destination", class: "wrap" }, code.url),
    h("td", { "data-label": "Status" }, badge(code.status)),
    h("td", { "data-label": "Total scans", class: "num" }, formatNumber(code.total_scans)),
  );
}

/** The codes of the workspace, newest first, and the form to create one. */
export function codesView(main: HTMLElement, signal: AbortSignal): void {
  setTitle("Codes");

  // Create form.
  const url = h("input", { type: "url", name: "url", required: true, placeholder: "https://example.com/menu", autocomplete: "url", spellcheck: "false" });
  const shortCode = h("input", { type: "text", name: "short_code", placeholder: "menu-2026", autocomplete: "off", spellcheck: "false", maxlength: SHORT_CODE_LENGTH.max });
  const error = formError(url, shortCode);
  const createButton = h("button", { type: "submit" }, "Create code");
  const form = h(
    "form",
    { class: "form-grid", novalidate: true },
    field("Destination URL", url, "Where the QR code sends people. You can change it later."),
    field("Short code (optional)", shortCode, `${SHORT_CODE_LENGTH.min} to ${SHORT_CODE_LENGTH.max} letters, digits, - or _. Left empty, qr3 picks 6 random characters.`),
    h("div", { class: "actions" }, createButton),
    error.el,
  );

  // List.
  const tbody = h("tbody");
  const table = h(
    "table",
    { class: "stack-table codes-table" },
    h("caption", { class: "sr-only" }, "Codes, newest first"),
    h("thead", null, h("tr", null, h("th", { scope: "col" }, "Short link"), h("th", { scope: "col" }, "Destination"), h("th", { scope: "col" }, "Status"), h("th", { scope: "col", class: "num" }, "Total scans"))),
    tbody,
  );
  const listStatus = h("p", { class: "muted" }, "Loading codes…");
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Show more");
  table.hidden = true;
  let cursor: string | null = null;

  const showEmpty = () => {
    const empty = tbody.rows.length === 0;
    table.hidden = empty;
    listStatus.hidden = !empty;
    listStatus.textContent = can("codes:write") ? "No codes yet. Create your first one with the form above." : "No codes yet.";
  };

  async function loadPage(): Promise<void> {
    try {
      const query = `?limit=${PAGE_SIZE}${cursor ? `&cursor=${enc(cursor)}` : ""}`;
      const page = await getJson<Page<Code>>(`/v1/codes${query}`, { signal });
      tbody.append(...page.data.map(codeRow));
      cursor = page.pagination.has_more ? page.pagination.next_cursor : null;
      more.hidden = cursor === null;
      showEmpty();
    } catch (err) {
      if (signal.aborted) return;
      if (tbody.rows.length === 0) listStatus.textContent = "The codes could not be loaded.";
      showError(err);
    }
  }

  more.addEventListener("click", () => void busy(more, loadPage));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.clear();
    const body: { url: string; short_code?: string } = { url: url.value.trim() };
    if (shortCode.value.trim()) body.short_code = shortCode.value.trim();
    void busy(createButton, async () => {
      try {
        const { data } = await send<Envelope<Code>>("POST", "/v1/codes", body, { signal, fields: { url: "destination URL" } });
        tbody.prepend(codeRow(data));
        showEmpty();
        form.reset();
        showNotice(`Code ${data.short_code} created. Its short link is ${data.short_url}.`);
        url.focus();
      } catch (err) {
        if (signal.aborted) return;
        showError(err);
        const field = err instanceof ApiError ? err.field : null;
        const invalid = field === "short_code" ? shortCode : field === "url" ? url : null;
        error.mark(invalid);
        (invalid ?? url).focus();
      }
    });
  });

  main.replaceChildren(
    h("h1", { tabindex: -1 }, "Codes"),
    // Only for a key that may create codes.
    ...(can("codes:write") ? [h("section", { class: "card", "aria-labelledby": "create-code-heading" }, h("h2", { id: "create-code-heading" }, "Create a code"), form)] : []),
    h("section", { class: "card", "aria-labelledby": "codes-heading" }, h("h2", { id: "codes-heading" }, "Short links"), listStatus, h("div", { class: "table-wrap" }, table), more),
  );
  void loadPage();
}
