// The codes of the workspace: creating one (on a branded domain, when the workspace has one),
// importing many from CSV, the list with its search, tag filter and sort, changing the codes
// selected in it together, and the QR images of the tag chosen as one ZIP.
import { can } from "../access.ts";
import { ApiError, getJson, send } from "../api.ts";
import { showError, showNotice } from "../alerts.ts";
import { chunks, urlProblem } from "../csv-import.ts";
import { busy, field, formError, formatNumber, h, plural, setTitle } from "../dom.ts";
import { href } from "../nav.ts";
import { SHORT_CODE_LENGTH } from "@qr3/core/short-code";
import type { BulkUpdateCodesBody, Code, CodeSort, Domain, Envelope, Page, TagSummary } from "@qr3/schema/api";
import { API_LIMITS, CODE_SORTS, DEFAULT_CODE_SORT } from "@qr3/schema/api/limits";
import { QR_PRESETS } from "../qr-presets.ts";
import { confirmDialog } from "./confirm.ts";
import { importCard } from "./import.ts";
import { tagZipDownload } from "./qr-downloads.ts";
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

type BulkAction = "add_tag" | "remove_tag" | "disable" | "enable" | "url" | "design";

const BULK_ACTIONS: Record<BulkAction, string> = {
  add_tag: "Add a tag",
  remove_tag: "Remove a tag",
  disable: "Disable",
  enable: "Enable",
  url: "Change the destination",
  design: "Apply a QR design",
};

/** A row of the list; `select` is its checkbox, for a key that may change codes. */
function codeRow(code: Code, select: HTMLInputElement | null): HTMLTableRowElement {
  // The name leads when there is one; the short code is always beside it.
  const title = code.name
    ? [h("a", { href: href.code(code.id), class: "code-link code-name" }, code.name), " ", h("span", { class: "mono muted small" }, code.short_code)]
    : [h("a", { href: href.code(code.id), class: "code-link" }, code.short_code)];
  return h(
    "tr",
    { "data-id": code.id },
    select ? h("td", { "data-label": "Select", class: "select-cell" }, select) : null,
    h("td", { "data-label": "Code", class: "code-cell" }, ...title, h("span", { class: "muted small block" }, code.short_url), tagChips(code.tags)),
    h("td", { "data-label": "Destination", class: "wrap" }, code.url),
    h("td", { "data-label": "Status" }, badge(code.status)),
    h("td", { "data-label": "Total scans", class: "num" }, formatNumber(code.total_scans)),
  );
}

/** The codes of the workspace, newest first (or of `tag` alone), and the form to create one. */
export function codesView(main: HTMLElement, signal: AbortSignal, tag: string | null = null): void {
  setTitle("Codes");
  const canWrite = can("codes:write");

  // Create form.
  const url = h("input", { type: "url", name: "url", required: true, placeholder: "https://example.com/menu", autocomplete: "url", spellcheck: "false" });
  const shortCode = h("input", { type: "text", name: "short_code", placeholder: "menu-2026", autocomplete: "off", spellcheck: "false", maxlength: SHORT_CODE_LENGTH.max });
  const name = h("input", { type: "text", name: "name", placeholder: "Spring menu", autocomplete: "off", maxlength: API_LIMITS.code_name.max });
  const tags = h("input", { type: "text", name: "tags", placeholder: "menu, spring", autocomplete: "off", spellcheck: "false" });
  const externalId = h("input", { type: "text", name: "external_id", autocomplete: "off", spellcheck: "false", maxlength: API_LIMITS.external_id.max });
  // Our own domain, or one of the workspace's active branded domains: shown once there is one.
  const domain = h("select", { name: "domain" }, h("option", { value: "" }, "qr3 short domain (default)"));
  const domainField = field("Domain", domain, "The short link's host. Add branded domains on the Domains page.");
  domainField.hidden = true;
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
    domainField,
    h("div", { class: "actions" }, createButton),
    error.el,
  );

  // Search, tag filter and sort: any change reloads the list from its first page.
  const search = h("input", { type: "search", name: "q", placeholder: "Name, short code or destination", autocomplete: "off", maxlength: API_LIMITS.code_search.max });
  const tagFilter = h("select", { name: "tag" }, h("option", { value: "" }, "All tags"), tag ? h("option", { value: tag, selected: true }, tag) : null);
  const sort = h("select", { name: "sort" }, ...CODE_SORTS.map((s) => h("option", { value: s, selected: s === DEFAULT_CODE_SORT }, SORT_WORDS[s])));
  const filters = h("div", { class: "list-filters" }, field("Search", search), field("Tag", tagFilter), field("Sort", sort));
  // The QR images of the codes carrying the tag chosen, as one ZIP.
  const tagZip = h("div", { role: "group", "aria-label": "QR codes of the tag", hidden: !tag }, tagZipDownload(() => tagFilter.value, signal));

  // List, with a checkbox on each row and one for all rows shown, for a key that may change codes.
  const selectAll = h("input", { type: "checkbox", name: "select_all", "aria-label": "Select all codes shown" });
  const selected = new Set<string>();
  const tbody = h("tbody");
  const table = h(
    "table",
    { class: "stack-table codes-table" },
    h("caption", { class: "sr-only" }, "Codes"),
    h("thead", null, h("tr", null, canWrite ? h("th", { scope: "col", class: "select-cell" }, selectAll) : null, h("th", { scope: "col" }, "Code"), h("th", { scope: "col" }, "Destination"), h("th", { scope: "col" }, "Status"), h("th", { scope: "col", class: "num" }, "Total scans"))),
    tbody,
  );
  const listStatus = h("p", { class: "muted" }, "Loading codes…");
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Show more");
  table.hidden = true;
  let cursor: string | null = null;
  // Each load of a first page supersedes the ones before it: only the latest one's rows show.
  let generation = 0;

  // Changing the selected codes.
  const bulkCount = h("p", { class: "strong", role: "status" });
  const bulkAction = h("select", { name: "bulk_action" }, (Object.keys(BULK_ACTIONS) as BulkAction[]).map((a) => h("option", { value: a }, BULK_ACTIONS[a])));
  const bulkValue = h("input", { type: "text", name: "bulk_value", autocomplete: "off", spellcheck: "false" });
  const bulkValueField = field("Tag to add", bulkValue);
  const bulkPreset = h("select", { name: "bulk_design" }, QR_PRESETS.map((preset, i) => h("option", { value: String(i) }, preset.name)));
  const bulkPresetField = field("Design", bulkPreset, "Each code's QR image is drawn in it; its logo stays. Printed codes keep working.");
  const bulkError = formError(bulkValue);
  const bulkApply = h("button", { type: "submit" }, "Apply");
  const bulkClear = h("button", { type: "button", class: "secondary" }, "Clear selection");
  const bulkForm = h(
    "form",
    { class: "bulk-bar", novalidate: true, "aria-label": "Change the selected codes", hidden: true },
    bulkCount,
    h("div", { class: "bulk-fields" }, field("Action", bulkAction), bulkValueField, bulkPresetField, h("div", { class: "actions" }, bulkApply, bulkClear)),
    bulkError.el,
  );

  const rowBoxes = () => [...tbody.querySelectorAll<HTMLInputElement>("input[name=select]")];
  function showSelection(): void {
    const boxes = rowBoxes();
    const chosen = boxes.filter((b) => b.checked).length;
    selectAll.checked = chosen > 0 && chosen === boxes.length;
    selectAll.indeterminate = chosen > 0 && chosen < boxes.length;
    bulkForm.hidden = selected.size === 0;
    bulkCount.textContent = selected.size ? `${plural(selected.size, "code", "codes")} selected` : "";
  }
  function showBulkAction(): void {
    const action = bulkAction.value as BulkAction;
    const needsValue = action === "add_tag" || action === "remove_tag" || action === "url";
    bulkValueField.hidden = !needsValue;
    bulkPresetField.hidden = action !== "design";
    bulkValueField.querySelector("label")!.textContent = action === "url" ? "New destination" : action === "remove_tag" ? "Tag to remove" : "Tag to add";
    bulkValue.type = action === "url" ? "url" : "text";
    bulkValue.placeholder = action === "url" ? "https://example.com/summer" : "spring";
    bulkError.clear();
  }
  showBulkAction();
  const rowFor = (code: Code) => {
    if (!canWrite) return codeRow(code, null);
    const box = h("input", { type: "checkbox", name: "select", value: code.id, "aria-label": `Select ${code.name ?? code.short_code}` });
    box.addEventListener("change", () => {
      if (box.checked) selected.add(code.id);
      else selected.delete(code.id);
      showSelection();
    });
    return codeRow(code, box);
  };
  selectAll.addEventListener("change", () => {
    for (const box of rowBoxes()) {
      box.checked = selectAll.checked;
      if (box.checked) selected.add(box.value);
      else selected.delete(box.value);
    }
    showSelection();
  });
  bulkClear.addEventListener("click", () => {
    for (const box of rowBoxes()) box.checked = false;
    selected.clear();
    showSelection();
  });
  bulkAction.addEventListener("change", showBulkAction);

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
      tbody.append(...page.data.map(rowFor));
      showSelection();
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
    selected.clear();
    showSelection();
    more.hidden = true;
    void loadPage();
  }

  async function loadDomains(): Promise<void> {
    try {
      const { data } = await getJson<Page<Domain>>(`/v1/domains?limit=${API_LIMITS.page_size.max}`, { signal });
      const active = data.filter((d) => d.status === "active");
      domain.replaceChildren(domain.options[0]!, ...active.map((d) => h("option", { value: d.hostname }, d.hostname)));
      domainField.hidden = active.length === 0;
    } catch (err) {
      // The form still creates codes on our own domain.
      if (!signal.aborted) showError(err);
    }
  }

  async function loadTags(): Promise<void> {
    try {
      const { data } = await getJson<Envelope<TagSummary[]>>("/v1/tags", { signal });
      const chosen = tagFilter.value;
      // A tag no code carries (any more) stays chosen, with no codes.
      const tags = chosen && !data.some((t) => t.tag === chosen) ? [...data, { tag: chosen, codes: 0, total_scans: 0 }] : data;
      tagFilter.replaceChildren(
        h("option", { value: "" }, "All tags"),
        ...tags.map((t) => h("option", { value: t.tag, selected: t.tag === chosen }, `${t.tag} (${formatNumber(t.codes)})`)),
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
  tagFilter.addEventListener("change", () => {
    // The address names the tag, so that the filtered list can be linked to and reloaded.
    history.replaceState(null, "", tagFilter.value ? href.codesTagged(tagFilter.value) : href.codes);
    tagZip.hidden = !tagFilter.value;
    reload();
  });
  sort.addEventListener("change", reload);
  more.addEventListener("click", () => void busy(more, loadPage));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.clear();
    const body: { url: string; short_code?: string; name?: string; tags?: string[]; external_id?: string; domain?: string } = { url: url.value.trim() };
    if (domain.value) body.domain = domain.value;
    if (shortCode.value.trim()) body.short_code = shortCode.value.trim();
    if (name.value.trim()) body.name = name.value.trim();
    if (parseTags(tags.value).length) body.tags = parseTags(tags.value);
    if (externalId.value.trim()) body.external_id = externalId.value.trim();
    void busy(createButton, async () => {
      try {
        const { data } = await send<Envelope<Code>>("POST", "/v1/codes", body, { signal, fields: { url: "destination URL", external_id: "external ID" } });
        // Where the new code goes in a filtered or sorted list is the API's to say.
        if (filtered() || sort.value !== DEFAULT_CODE_SORT) reload();
        else tbody.prepend(rowFor(data));
        if (data.tags.length) void loadTags();
        showEmpty();
        showSelection();
        form.reset();
        showNotice(`Code ${data.short_code} created. Its short link is ${data.short_url}.`);
        url.focus();
      } catch (err) {
        if (signal.aborted) return;
        showError(err);
        const field = err instanceof ApiError ? err.field : null;
        const inputs: Record<string, HTMLInputElement | HTMLSelectElement> = { short_code: shortCode, url, name, tags, external_id: externalId, domain };
        const invalid = field ? (inputs[field.split(".")[0]!] ?? null) : null;
        error.mark(invalid instanceof HTMLInputElement ? invalid : null);
        (invalid ?? url).focus();
      }
    });
  });

  bulkForm.addEventListener("submit", (event) => {
    event.preventDefault();
    bulkError.clear();
    const action = bulkAction.value as BulkAction;
    const value = bulkValue.value.trim();
    const ids = [...selected];
    const codes = plural(ids.length, "code", "codes");
    const refuse = (message: string) => {
      bulkError.show(message, bulkValue);
      bulkValue.focus();
    };
    let set: BulkUpdateCodesBody["set"];
    let title: string;
    let message: string;
    if (action === "add_tag" || action === "remove_tag") {
      const tag = value.toLowerCase();
      if (!tag) return refuse("Type the tag.");
      if (tag.length > API_LIMITS.code_tags.tag_max) return refuse(`A tag is at most ${API_LIMITS.code_tags.tag_max} characters.`);
      set = action === "add_tag" ? { add_tags: [tag] } : { remove_tags: [tag] };
      title = action === "add_tag" ? `Add the tag “${tag}” to ${codes}?` : `Remove the tag “${tag}” from ${codes}?`;
      message = action === "add_tag" ? "Codes that have it already keep it once." : "Codes without it stay as they are.";
    } else if (action === "url") {
      const problem = urlProblem(value);
      if (!value) return refuse("Type the new destination URL.");
      if (problem) return refuse(`The destination URL ${problem}.`);
      set = { url: value };
      title = `Send ${codes} to a new destination?`;
      message = `Scans of ${ids.length === 1 ? "it" : "them"} go to ${value} within seconds. Printed QR codes stay the same.`;
    } else if (action === "design") {
      const preset = QR_PRESETS[Number(bulkPreset.value)]!;
      set = { qr_style: preset.design };
      title = `Apply the design “${preset.name}” to ${codes}?`;
      message = "Their QR images are drawn in it from now on (a design of their own is replaced); the printed ones keep working.";
    } else {
      set = { status: action === "disable" ? "disabled" : "active" };
      title = action === "disable" ? `Disable ${codes}?` : `Enable ${codes}?`;
      message =
        action === "disable"
          ? "Scans get a “this code is disabled” page and are not recorded until the codes are enabled again."
          : "Scans are redirected to each code's destination and recorded again.";
    }
    confirmDialog({
      title,
      message,
      confirm: `Yes, ${BULK_ACTIONS[action].toLowerCase()}`,
      action: async () => {
        let updated = 0;
        for (const batch of chunks(ids, API_LIMITS.bulk_codes.max)) {
          const { data } = await send<Envelope<{ updated: number }>>("POST", "/v1/codes/bulk-update", { ids: batch, set }, { signal, fields: { url: "destination URL" } });
          updated += data.updated;
        }
        bulkValue.value = "";
        showNotice(`${plural(updated, "code", "codes")} changed.`);
        reload();
        if (action === "add_tag" || action === "remove_tag") void loadTags();
      },
    });
  });

  main.replaceChildren(
    h("h1", { tabindex: -1 }, "Codes"),
    // Only for a key that may create codes.
    ...(canWrite
      ? [
          h("section", { class: "card", "aria-labelledby": "create-code-heading" }, h("h2", { id: "create-code-heading" }, "Create a code"), form),
          importCard(signal, () => {
            reload();
            void loadTags();
          }),
        ]
      : []),
    h(
      "section",
      { class: "card", "aria-labelledby": "codes-heading" },
      h("h2", { id: "codes-heading" }, "Short links"),
      filters,
      tagZip,
      canWrite ? bulkForm : null,
      listStatus,
      h("div", { class: "table-wrap" }, table),
      more,
    ),
  );
  void loadPage();
  void loadTags();
  if (canWrite) void loadDomains();
}
