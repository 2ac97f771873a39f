// Codes from a CSV file, before anything is sent: the file read as RFC 4180 CSV, its header
// matched to the fields of a code, and each row checked as the API would check it, so that the
// preview names every problem with its row. Pure functions, free of the DOM.
import { RESERVED_SHORT_CODES, SHORT_CODE_LENGTH, SHORT_CODE_PATTERN } from "@qr3/core/short-code";
import type { ErrorDetail } from "@qr3/schema/api";
import { API_LIMITS } from "@qr3/schema/api/limits";
import { LIMITS } from "@qr3/schema/limits";

/** One record of a CSV file: its cells, and the line it starts on (a quoted cell may span lines). */
export interface CsvRecord {
  cells: string[];
  line: number;
  /** What is wrong with the record's quoting, if anything. */
  problem?: string;
}

/**
 * Reads CSV as RFC 4180 has it: cells separated by commas, records by CRLF or LF (or a lone CR);
 * a cell in double quotes may hold commas, line breaks and "" for a quote. A quote inside an
 * unquoted cell is taken as it is. A line break ending the text ends the last record; it does not
 * start an empty one.
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  const isBreak = (c: string | undefined) => c === "\n" || c === "\r";
  /** Steps over the line break at i (CRLF counts as one). */
  const skipBreak = () => {
    if (text[i] === "\r" && text[i + 1] === "\n") i++;
    i++;
    line++;
  };

  while (i < n) {
    const record: CsvRecord = { cells: [], line };
    for (;;) {
      let cell = "";
      if (text[i] === '"') {
        i++;
        for (;;) {
          const quote = text.indexOf('"', i);
          if (quote < 0) {
            cell += text.slice(i);
            line += countBreaks(text.slice(i));
            i = n;
            record.problem = "a quoted cell is never closed (a \" is missing)";
            break;
          }
          const part = text.slice(i, quote);
          cell += part;
          line += countBreaks(part);
          i = quote + 1;
          if (text[i] === '"') {
            cell += '"';
            i++;
          } else break;
        }
        // After the closing quote: the end of the cell, or text that does not belong there.
        if (i < n && text[i] !== "," && !isBreak(text[i])) {
          record.problem ??= "text follows a closing quote (write a quote inside a quoted cell as \"\")";
          while (i < n && text[i] !== "," && !isBreak(text[i])) cell += text[i++];
        }
      } else {
        const start = i;
        while (i < n && text[i] !== "," && !isBreak(text[i])) i++;
        cell = text.slice(start, i);
      }
      record.cells.push(cell);
      if (i < n && text[i] === ",") {
        i++;
        continue;
      }
      break;
    }
    records.push(record);
    if (i < n) skipBreak();
  }
  return records;
}

function countBreaks(text: string): number {
  return (text.match(/\r\n|\r|\n/g) ?? []).length;
}

/** The columns an import may have; url is the one it must have. */
export const IMPORT_COLUMNS = ["url", "short_code", "name", "tags", "external_id", "domain"] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/** The most rows one import takes (each request of it takes at most API_LIMITS.bulk_codes.max). */
export const MAX_IMPORT_ROWS = 10 * API_LIMITS.bulk_codes.max;

/** What tags are separated by inside their cell. */
export const TAG_SEPARATOR = "|";

/** A code as POST /v1/codes/bulk takes it. */
export interface ImportItem {
  url: string;
  short_code?: string;
  name?: string;
  tags?: string[];
  external_id?: string;
  domain?: string;
}

export interface RowProblem {
  /** The column at fault, or null for the row as a whole. */
  column: ImportColumn | null;
  message: string;
}

export interface ImportRow {
  /** Its row in the file as a spreadsheet numbers it: the header is row 1. */
  row: number;
  item: ImportItem;
  problems: RowProblem[];
}

export interface ImportFile {
  /** Problems of the file as a whole (no header, no url column, too many rows): nothing can be imported. */
  problems: string[];
  columns: ImportColumn[];
  rows: ImportRow[];
}

const COLUMN_WORDS: Record<ImportColumn, string> = {
  url: "URL",
  short_code: "Short code",
  name: "Name",
  tags: "Tags",
  external_id: "External ID",
  domain: "Domain",
};

/** "Short code", "External ID": how a column is named in a sentence's start. */
export const columnWords = (column: ImportColumn | null) => (column ? COLUMN_WORDS[column] : "Row");

const isColumn = (name: string): name is ImportColumn => (IMPORT_COLUMNS as readonly string[]).includes(name);
const blank = (record: CsvRecord) => record.cells.every((c) => c.trim() === "");

/** The tags of a cell, "Menu | Spring" as ["menu", "spring"]: trimmed, lower-cased, each once. */
export const splitTags = (cell: string): string[] => [
  ...new Set(
    cell
      .split(TAG_SEPARATOR)
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== ""),
  ),
];

// As the API refuses them: C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const HOSTNAME = /^(?=.{1,253}\.?$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[-0-9a-zA-Z]{0,61}[0-9a-zA-Z])?)*\.?$/;

/** Why `url` cannot be a destination, or null when it can. */
export function urlProblem(url: string): string | null {
  if (CONTROL_CHARACTERS.test(url)) return "must not contain control characters";
  if (!URL.canParse(url)) return "must be a full http or https URL, such as https://example.com/menu";
  const parsed = new URL(url);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return "must be an http or https URL";
  if (!HOSTNAME.test(parsed.hostname)) return "must name a host, such as example.com";
  if (parsed.href.length > LIMITS.url) return `must be at most ${LIMITS.url} characters`;
  return null;
}

/** Why `code` cannot be a short code, or null when it can. */
export function shortCodeProblem(code: string): string | null {
  if (!SHORT_CODE_PATTERN.test(code)) return `must be ${SHORT_CODE_LENGTH.min} to ${SHORT_CODE_LENGTH.max} letters, digits, - or _`;
  if (RESERVED_SHORT_CODES.has(code.toLowerCase())) return "is reserved for qr3's own pages";
  return null;
}

/** One data record as a code, with what is wrong with it. */
function readRow(record: CsvRecord, row: number, columns: ImportColumn[]): ImportRow {
  const problems: RowProblem[] = [];
  const problem = (column: ImportColumn | null, message: string) => problems.push({ column, message });
  if (record.problem) problem(null, record.problem);
  if (record.cells.length > columns.length) problem(null, `has ${record.cells.length} cells, but the header names ${columns.length} columns`);

  // An empty cell, or a missing one at the end of the row, is a field left out.
  const value: Partial<Record<ImportColumn, string>> = {};
  columns.forEach((column, i) => {
    const cell = (record.cells[i] ?? "").trim();
    if (cell !== "") value[column] = cell;
  });

  const item: ImportItem = { url: value.url ?? "" };
  if (value.url === undefined) problem("url", "is missing: every code needs a destination");
  else {
    const why = urlProblem(value.url);
    if (why) problem("url", why);
  }
  if (value.short_code !== undefined) {
    item.short_code = value.short_code;
    const why = shortCodeProblem(value.short_code);
    if (why) problem("short_code", why);
  }
  if (value.name !== undefined) {
    item.name = value.name;
    if (value.name.length > API_LIMITS.code_name.max) problem("name", `must be at most ${API_LIMITS.code_name.max} characters`);
  }
  if (value.tags !== undefined) {
    const tags = splitTags(value.tags);
    if (tags.length) item.tags = tags;
    const long = tags.find((t) => t.length > API_LIMITS.code_tags.tag_max);
    if (long !== undefined) problem("tags", `“${long.slice(0, 20)}…” is longer than ${API_LIMITS.code_tags.tag_max} characters`);
    if (tags.length > API_LIMITS.code_tags.max) problem("tags", `must be at most ${API_LIMITS.code_tags.max} tags (this row has ${tags.length})`);
  }
  if (value.external_id !== undefined) {
    item.external_id = value.external_id;
    if (value.external_id.length > API_LIMITS.external_id.max) problem("external_id", `must be at most ${API_LIMITS.external_id.max} characters`);
  }
  if (value.domain !== undefined) item.domain = value.domain.toLowerCase().replace(/\.$/, "");
  return { row, item, problems };
}

/**
 * Marks the rows that repeat a short code (on the same domain) or an external ID of an earlier
 * row: the API would refuse both.
 */
function markRepeats(rows: ImportRow[]): void {
  const seen = { short_code: new Map<string, number>(), external_id: new Map<string, number>() };
  for (const row of rows) {
    const { short_code, external_id, domain } = row.item;
    if (short_code !== undefined) {
      // Short codes are told apart by case; one may be used once per domain.
      const key = `${domain ?? ""}/${short_code}`;
      const first = seen.short_code.get(key);
      if (first === undefined) seen.short_code.set(key, row.row);
      else row.problems.push({ column: "short_code", message: `is also on row ${first}` });
    }
    if (external_id !== undefined) {
      const first = seen.external_id.get(external_id);
      if (first === undefined) seen.external_id.set(external_id, row.row);
      else row.problems.push({ column: "external_id", message: `is also on row ${first}` });
    }
  }
}

/** A CSV file as codes to create: its header read, every data row checked. */
export function readImport(text: string): ImportFile {
  const records = parseCsv(text.replace(/^\uFEFF/, ""));
  const headerAt = records.findIndex((r) => !blank(r));
  if (headerAt < 0) return { problems: ["The CSV is empty. Its first line names the columns, e.g. url,short_code,name,tags,external_id."], columns: [], rows: [] };

  const header = records[headerAt]!;
  const names = header.cells.map((c) => c.trim().toLowerCase());
  const problems: string[] = [];
  if (header.problem) problems.push(`The header row: ${header.problem}.`);
  const unknown = names.filter((name) => !isColumn(name));
  if (unknown.length) {
    const list = unknown.map((name) => (name ? `“${name}”` : "an empty one")).join(", ");
    problems.push(`The header names ${unknown.length === 1 ? "a column" : "columns"} qr3 does not know: ${list}. The columns are ${IMPORT_COLUMNS.join(", ")}.`);
  }
  const repeated = [...new Set(names.filter((name, i) => names.indexOf(name) !== i))];
  if (repeated.length) problems.push(`The header names ${repeated.map((name) => `“${name}”`).join(", ")} more than once.`);
  if (!names.includes("url")) problems.push("The header has no url column: every code needs a destination.");
  if (problems.length) return { problems, columns: [], rows: [] };

  const columns = names as ImportColumn[];
  const rows = records.flatMap((record, i) => (i > headerAt && !blank(record) ? [readRow(record, i + 1, columns)] : []));
  if (rows.length === 0) return { problems: ["The CSV has a header but no rows of codes."], columns, rows };
  if (rows.length > MAX_IMPORT_ROWS) {
    return { problems: [`The CSV has ${rows.length} rows of codes; one import takes at most ${MAX_IMPORT_ROWS}. Split it into smaller files.`], columns, rows: [] };
  }
  markRepeats(rows);
  return { problems: [], columns, rows };
}

/** `items` in requests of at most `size`, in order. */
export function chunks<T>(items: readonly T[], size: number = API_LIMITS.bulk_codes.max): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const FIELD_COLUMNS: Record<string, ImportColumn> = { url: "url", short_code: "short_code", name: "name", tags: "tags", external_id: "external_id", domain: "domain" };

/**
 * The API's refusal of a bulk request, item by item, as problems of the rows sent in it: detail
 * `index` is the position in `sent`.
 */
export function problemsFromDetails(sent: readonly ImportRow[], details: readonly ErrorDetail[]): Map<ImportRow, RowProblem[]> {
  const out = new Map<ImportRow, RowProblem[]>();
  for (const detail of details) {
    const row = sent[detail.index];
    if (!row) continue;
    // "short_code", "tags[3]" (the tags column), or the same under "codes[<index>].".
    const field = detail.field.replace(/^codes\[\d+\]\./, "").split(/[.[]/)[0] ?? "";
    const column = FIELD_COLUMNS[field] ?? null;
    // The API may word it as "field: problem"; the column says the field already.
    const prefix = `${detail.field}: `;
    const said = detail.message.startsWith(prefix) ? detail.message.slice(prefix.length) : detail.message;
    // Another item of the request is named by its index; here it is a row of the file.
    const message = said.replace(/\bitem (\d+)\b/g, (text, index: string) => {
      const other = sent[Number(index)];
      return other ? `row ${other.row}` : text;
    });
    const list = out.get(row) ?? [];
    list.push({ column, message: column === null && detail.field ? `${detail.field}: ${message}` : message });
    out.set(row, list);
  }
  return out;
}

/** "Short code: is also on row 3." */
export function problemText(problem: RowProblem): string {
  const end = /[.!?]$/.test(problem.message) ? "" : ".";
  return `${columnWords(problem.column)}: ${problem.message}${end}`;
}
