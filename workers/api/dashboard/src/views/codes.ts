import { can } from "../access.ts";
import { ApiError, enc, getJson, send } from "../api.ts";
import { showError, showNotice } from "../alerts.ts";
import { busy, field, formError, formatNumber, h, setTitle } from "../dom.ts";
import { href } from "../nav.ts";
import { SHORT_CODE_LENGTH } from "@qr3/core/short-code";
import type { Code, CodeSort, Envelope, Page, TagSummary } from "@qr3/schema/api";
import { API_LIMITS, CODE_SORTS, DEFAULT_CODE_SORT } from "@qr3/schema/api/limits";
import { badge } from "./status.ts";
import { parseTags, tagChips } from "./tags.ts";

const PAGE_SIZE = 50;
const SEARCH_DELAY_MS = 300;

const SORT_WORDS: Record<CodeSort, string> = {
  "-created_at": "Newest first",
  created_at: "Oldest first",
  name: "Name, A to Z",
  "-total_scans": "Most scanned",
  total_scans: "Least scanned",
};

function codeRow(code: Code): HTMLTableRowElement {
  // The name leads when there is one; the short code is always beside it.
  const title = code.name
    ? [h("a", { href: href.code(code.id), class: "code-link code-name" }, code.name), " ", h("span", { class: "mono muted small" }, code.short_code)]
    : [h("a", { href: href.code(code.id), class: "code-link" }, code.short_code)];
  return h(
    "tr",
    null,
    h("td", { "data-label": "Code" }, ...title, h("span", { class: "muted small block" }, code.short_url), tagChips(code.tags)),
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
  const name = h("input", { type: "text", name: "name", placeholder: "Spring menu", autocomplete: "off", maxlength: API_LIMITS.code_name.max });
  const tags = h("input", { type: "text", name: "tags", placeholder: "menu, spring", autocomplete: "off", spellcheck: "false" });
  const externalId = h("input", { type: "text", name: "external_id", autocomplete: "off", spellcheck: "false", maxlength: API_LIMITS.external_id.max });
  const error = formError(url, shortCode, name, tags, externalId);
  const createButton = h("button", { type: "submit" }, "Create code");
  const form = h(
    "form",
    { class: "form-grid", novalidate: true },
    field("Destination URL", url, "Where the QR code sends people. You can change it later."),
    field("Short code (optional)", shortCode, `${SHORT_CODE_LENGTH.min} to ${SHORT_CODE_LENGTH.max} letters, digits, - or _. Left empty, qr3 picks 6 random characters.`),
    field("Name (optional)", name, "What you call the code; shown before its short code."),
    field("Tags (optional)", tags, `Separated by commas, at most ${API_LIMITS.code_tags.max}. Stored in lower case.`),
    field("External ID (optional)", externalId, "Your own id for it (a product, a campaign): unique in the workspace."),
    h("div", { class: "actions" }, createButton),
    error.el,
  );

  // Search, tag filter and sort: any change reloads the list from its first page.
  const search = h("input", { type: "search", name: "q", placeholder: "Name, short code or destination", autocomplete: "off", maxlength: API_LIMITS.code_search.max });
  const tagFilter = h("select", { name: "tag" }, h("option", { value: "" }, "All tags"));
  const sort = h("select", { name: "sort" }, ...CODE_SORTS.map((s) => h("option", { value: s, selected: s === DEFAULT_CODE_SORT }, SORT_WORDS[s])));
  const filters = h("div", { class: "list-filters" }, field("Search", search), field("Tag", tagFilter), field("Sort", sort));

  // List.
  const tbody = h("tbody");
  const table = h(
    "table",
    { class: "stack-table codes-table" },
    h("caption", { class: "sr-only" }, "Codes"),
    h("thead", null, h("tr", null, h("th", { scope: "col" }, "Code"), h("th", { scope: "col" }, "Destination"), h("th", { scope: "col" }, "Status"), h("th", { scope: "col", class: "num" }, "Total scans"))),
    tbody,
  );
  const listStatus = h("p", { class: "muted" }, "Loading codes…");
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Show more");
  table.hidden = true;
  let cursor: string | null = null;
  // Each load of a first page supersedes the ones before it: only the latest one's rows show.
  let generation = 0;

  const filtered = () => search.value.trim() !== "" || tagFilter.value !== "";
  const showEmpty = () => {
    const empty = tbody.rows.length === 0;
    table.hidden = empty;
    listStatus.hidden = !empty;
    if (filtered()) listStatus.textContent = "No codes match.";
    else listStatus.textContent = can("codes:write") ? "No codes yet. Create your first one with the form above." : "No codes yet.";
  };

  const listQuery = () => {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE), sort: sort.value });
    const q = search.value.trim();
    if (q) params.set("q", q);
    if (tagFilter.value) params.set("tag", tagFilter.value);
    if (cursor) params.set("cursor", cursor);
    return params.toString();
  };

  async function loadPage(): Promise<void> {
    const mine = generation;
    try {
      const page = await getJson<Page<Code>>(`/v1/codes?${listQuery()}`, { signal });
      if (mine !== generation) return;
      tbody.append(...page.data.map(codeRow));
      cursor = page.pagination.has_more ? page.pagination.next_cursor : null;
      more.hidden = cursor === null;
      showEmpty();
    } catch (err) {
      if (signal.aborted || mine !== generation) return;
      if (tbody.rows.length === 0) listStatus.textContent = "The codes could not be loaded.";
      showError(err);
    }
  }

  function reload(): void {
    generation++;
    cursor = null;
    tbody.replaceChildren();
    more.hidden = true;
    void loadPage();
  }

  async function loadTags(): Promise<void> {
    try {
      const { data } = await getJson<Envelope<TagSummary[]>>("/v1/tags", { signal });
      const chosen = tagFilter.value;
      tagFilter.replaceChildren(
        h("option", { value: "" }, "All tags"),
        ...data.map((t) => h("option", { value: t.tag, selected: t.tag === chosen }, `${t.tag} (${formatNumber(t.codes)})`)),
      );
    } catch (err) {
      if (!signal.aborted) showError(err);
    }
  }

  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(reload, SEARCH_DELAY_MS);
  });
  signal.addEventListener("abort", () => clearTimeout(searchTimer), { once: true });
  tagFilter.addEventListener("change", reload);
  sort.addEventListener("change", reload);
  more.addEventListener("click", () => void busy(more, loadPage));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.clear();
    const body: { url: string; short_code?: string; name?: string; tags?: string[]; external_id?: string } = { url: url.value.trim() };
    if (shortCode.value.trim()) body.short_code = shortCode.value.trim();
    if (name.value.trim()) body.name = name.value.trim();
    if (parseTags(tags.value).length) body.tags = parseTags(tags.value);
    if (externalId.value.trim()) body.external_id = externalId.value.trim();
    void busy(createButton, async () => {
      try {
        const { data } = await send<Envelope<Code>>("POST", "/v1/codes", body, { signal, fields: { url: "destination URL", external_id: "external ID" } });
        // Where the new code goes in a filtered or sorted list is the API's to say.
        if (filtered() || sort.value !== DEFAULT_CODE_SORT) reload();
        else tbody.prepend(codeRow(data));
        if (data.tags.length) void loadTags();
        showEmpty();
        form.reset();
        showNotice(`Code ${data.short_code} created. Its short link is ${data.short_url}.`);
        url.focus();
      } catch (err) {
        if (signal.aborted) return;
        showError(err);
        const field = err instanceof ApiError ? err.field : null;
        const inputs: Record<string, HTMLInputElement> = { short_code: shortCode, url, name, tags, external_id: externalId };
        const invalid = field ? (inputs[field.split(".")[0]!] ?? null) : null;
        error.mark(invalid);
        (invalid ?? url).focus();
      }
    });
  });

  main.replaceChildren(
    h("h1", { tabindex: -1 }, "Codes"),
    // Only for a key that may create codes.
    ...(can("codes:write") ? [h("section", { class: "card", "aria-labelledby": "create-code-heading" }, h("h2", { id: "create-code-heading" }, "Create a code"), form)] : []),
    h("section", { class: "card", "aria-labelledby": "codes-heading" }, h("h2", { id: "codes-heading" }, "Short links"), filters, listStatus, h("div", { class: "table-wrap" }, table), more),
  );
  void loadPage();
  void loadTags();
}
