// Importing codes from CSV: a file or pasted text, a preview of every row with what is wrong with
// it, and only then the codes created, in requests of at most API_LIMITS.bulk_codes.max rows.
import { ApiError, send } from "../api.ts";
import { showError, showErrorText, showNotice } from "../alerts.ts";
import {
  chunks,
  columnWords,
  IMPORT_COLUMNS,
  problemsFromDetails,
  problemText,
  readImport,
  TAG_SEPARATOR,
  type ImportFile,
  type ImportRow,
  type RowProblem,
} from "../csv-import.ts";
import { busy, fill, formatNumber, h, newId, plural } from "../dom.ts";
import type { Code, Envelope } from "@qr3/schema/api";
import { API_LIMITS } from "@qr3/schema/api/limits";

/** Rows without problems shown in the preview; every row with one is shown. */
const PREVIEW_ROWS = 100;

const rowsText = (from: ImportRow, to: ImportRow) => (from === to ? `row ${from.row}` : `rows ${from.row} to ${to.row}`);

/** The CSV import card of the codes page; `created` runs after codes were created. */
export function importCard(signal: AbortSignal, created: () => void): HTMLElement {
  const fileInput = h("input", { type: "file", name: "csv_file", accept: ".csv,text/csv,text/plain" });
  const fileId = newId("f");
  fileInput.id = fileId;
  const textId = newId("f");
  const textHint = newId("hint");
  const text = h("textarea", { id: textId, name: "csv", rows: 6, spellcheck: "false", autocomplete: "off", "aria-describedby": textHint, placeholder: "url,short_code,name,tags,external_id\nhttps://example.com/menu,menu-2026,Spring menu,menu|spring," });
  const previewButton = h("button", { type: "button", class: "secondary" }, "Preview");
  const createButton = h("button", { type: "button", hidden: true }, "Create codes");
  const summary = h("p", { role: "status" });
  const preview = h("div", { class: "import-preview" });

  let file: ImportFile | null = null;
  // A chosen file's text as it is (a text area turns its CRLFs into LFs), until the text is edited.
  let fileText: string | null = null;
  // What happened to each row sent: the code made of it, or the API's problems with it.
  const made = new Map<ImportRow, Code>();
  const refused = new Map<ImportRow, RowProblem[]>();
  // One Idempotency-Key per request body, kept until qr3 has answered it for good, so that
  // sending a request again after a lost answer cannot create its codes twice.
  const idempotencyKeys = new Map<string, string>();

  const pending = () => file?.rows.filter((r) => !made.has(r)) ?? [];

  function cell(row: ImportRow, column: (typeof IMPORT_COLUMNS)[number]): HTMLTableCellElement {
    const value = column === "tags" ? row.item.tags?.join(` ${TAG_SEPARATOR} `) : column === "url" ? row.item.url : row.item[column];
    const at = [...row.problems, ...(refused.get(row) ?? [])].some((p) => p.column === column);
    const classes = [column === "url" ? "wrap" : "", at ? "cell-bad" : ""].filter(Boolean).join(" ");
    return h("td", { "data-label": columnWords(column), class: classes || null }, value ?? h("span", { class: "muted" }, "–"));
  }

  function outcomeCell(row: ImportRow): HTMLTableCellElement {
    const code = made.get(row);
    if (code) return h("td", { "data-label": "Result" }, h("span", { class: "badge", "data-status": "active" }, "created"), " ", h("span", { class: "mono small" }, code.short_url));
    const problems = [...row.problems, ...(refused.get(row) ?? [])];
    if (problems.length === 0) return h("td", { "data-label": "Result" }, h("span", { class: "muted" }, "Ready"));
    return h("td", { "data-label": "Result" }, h("ul", { class: "row-problems" }, problems.map((p) => h("li", null, problemText(p)))));
  }

  function render(): void {
    if (!file) {
      fill(preview);
      summary.textContent = "";
      createButton.hidden = true;
      return;
    }
    if (file.problems.length) {
      fill(preview, h("ul", { class: "row-problems" }, file.problems.map((p) => h("li", null, p))));
      summary.textContent = "This CSV cannot be imported as it is. Fix it and preview again.";
      createButton.hidden = true;
      return;
    }
    const rows = file.rows;
    const bad = rows.filter((r) => r.problems.length > 0 || refused.has(r));
    const toCreate = pending();
    const columns = IMPORT_COLUMNS.filter((c) => file!.columns.includes(c));
    let calm = 0;
    const shown = rows.filter((r) => r.problems.length > 0 || refused.has(r) || calm++ < PREVIEW_ROWS);
    const table = h(
      "table",
      { class: "stack-table import-table" },
      h("caption", { class: "sr-only" }, "Rows of the CSV"),
      h("thead", null, h("tr", null, h("th", { scope: "col", class: "num" }, "Row"), columns.map((c) => h("th", { scope: "col" }, columnWords(c))), h("th", { scope: "col" }, "Result"))),
      h(
        "tbody",
        null,
        shown.map((row) =>
          h(
            "tr",
            { class: row.problems.length || refused.has(row) ? "row-bad" : null, "data-row": row.row },
            h("td", { "data-label": "Row", class: "num" }, String(row.row)),
            columns.map((c) => cell(row, c)),
            outcomeCell(row),
          ),
        ),
      ),
    );
    const hidden = rows.length - shown.length;
    fill(preview, h("div", { class: "table-wrap" }, table), hidden > 0 ? h("p", { class: "muted small" }, `${plural(hidden, "more row", "more rows")} without problems not shown.`) : null);

    if (toCreate.length === 0) summary.textContent = `All ${plural(rows.length, "row", "rows")} created.`;
    else if (bad.length) {
      summary.textContent = `${plural(rows.length, "row", "rows")}, ${bad.length === 1 ? "1 with a problem" : `${formatNumber(bad.length)} with problems`}. Fix ${bad.length === 1 ? "it" : "them"} in the CSV and preview again: nothing is created until every row is right.`;
    } else if (made.size) summary.textContent = `${plural(made.size, "row", "rows")} created; ${plural(toCreate.length, "row", "rows")} still to create.`;
    else summary.textContent = `${plural(rows.length, "row", "rows")}, ready to create. Nothing has been created yet.`;
    createButton.hidden = toCreate.length === 0 || rows.some((r) => r.problems.length > 0 && !made.has(r));
    createButton.textContent = toCreate.length === 1 ? "Create 1 code" : `Create ${formatNumber(toCreate.length)} codes`;
  }

  function showPreview(): void {
    file = readImport(fileText ?? text.value);
    made.clear();
    refused.clear();
    render();
  }

  fileInput.addEventListener("change", () => {
    const chosen = fileInput.files?.[0];
    if (!chosen) return;
    chosen.text().then(
      (content) => {
        if (signal.aborted) return;
        text.value = content;
        fileText = content;
        showPreview();
      },
      () => showErrorText(`The file ${chosen.name} could not be read.`),
    );
  });
  previewButton.addEventListener("click", showPreview);
  // A preview is of the text it was made of: once that changes, it is gone.
  text.addEventListener("input", () => {
    fileText = null;
    if (file === null) return;
    file = null;
    render();
  });

  createButton.addEventListener("click", () =>
    void busy(createButton, async () => {
      let count = 0;
      for (const batch of chunks(pending(), API_LIMITS.bulk_codes.max)) {
        const body = { codes: batch.map((r) => r.item) };
        const json = JSON.stringify(body);
        const idempotencyKey = idempotencyKeys.get(json) ?? crypto.randomUUID();
        idempotencyKeys.set(json, idempotencyKey);
        for (const row of batch) refused.delete(row);
        try {
          const { data } = await send<Envelope<Code[]>>("POST", "/v1/codes/bulk", body, { signal, idempotencyKey });
          idempotencyKeys.delete(json);
          batch.forEach((row, i) => made.set(row, data[i]!));
          count += data.length;
        } catch (err) {
          if (signal.aborted) return;
          // A refusal stands (sending it again would be answered the same); a lost answer may be retried.
          if (err instanceof ApiError && err.status >= 400 && err.status < 500) idempotencyKeys.delete(json);
          const details = err instanceof ApiError ? problemsFromDetails(batch, err.details) : new Map<ImportRow, RowProblem[]>();
          for (const [row, problems] of details) refused.set(row, problems);
          render();
          if (details.size) {
            const rows = rowsText(batch[0]!, batch.at(-1)!);
            showErrorText(`qr3 refused ${plural(details.size, "row", "rows")}, so nothing of ${rows} was created. The preview shows what is wrong with each.`);
          } else showError(err);
          if (count) showNotice(`${plural(count, "code", "codes")} created before that.`);
          if (count) created();
          return;
        }
      }
      render();
      showNotice(`${plural(count, "code", "codes")} created from the CSV.`);
      created();
    }),
  );

  return h(
    "section",
    { class: "card", "aria-labelledby": "import-heading" },
    h("h2", { id: "import-heading" }, "Import codes from CSV"),
    h(
      "p",
      { class: "hint" },
      "The first line names the columns: ",
      h("code", null, "url"),
      " (required), ",
      h("code", null, "short_code"),
      ", ",
      h("code", null, "name"),
      ", ",
      h("code", null, "tags"),
      ` (separated by ${TAG_SEPARATOR}), `,
      h("code", null, "external_id"),
      " and ",
      h("code", null, "domain"),
      ". An empty cell leaves the field out. Cells with commas, quotes or line breaks go in double quotes.",
    ),
    h("div", { class: "import-inputs" }, h("div", { class: "field" }, h("label", { for: fileId }, "CSV file"), fileInput), h("div", { class: "field" }, h("label", { for: textId }, "Or paste CSV"), text, h("p", { class: "hint", id: textHint }, "Choosing a file puts its text here, where you can correct it."))),
    h("div", { class: "actions" }, previewButton, createButton),
    h(
      "p",
      { class: "hint" },
      `Nothing is created until you press Create. Codes are created in requests of up to ${formatNumber(API_LIMITS.bulk_codes.max)} rows, each all or nothing: should qr3 refuse any row of a request, none of that request's codes is created.`,
    ),
    summary,
    preview,
  );
}
