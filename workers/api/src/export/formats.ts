import { EXPORT_COLUMNS } from "@qr3/schema";
import type { ExportRow } from "@qr3/db";

// A text cell a spreadsheet would run as a formula: one beginning with =, +, -, @, tab or CR.
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field. RFC 4180: a field holding a comma, a double quote, CR or LF is quoted, quotes
 * inside doubled; a null is an empty field. Text that a spreadsheet would run as a formula (a
 * scan's referer, city, ... come from whoever scanned) is neutralised as OWASP recommends: a
 * single quote before it makes it text, and the field is quoted. Numbers are our own and stay.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  if (FORMULA_START.test(value)) return `"'${value.replaceAll('"', '""')}"`;
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export const FORMATS = {
  csv: {
    contentType: "text/csv; charset=utf-8",
    extension: "csv",
    header: `${EXPORT_COLUMNS.join(",")}\r\n`,
    // Records end in CRLF.
    row: (row: ExportRow) => `${EXPORT_COLUMNS.map((c) => csvField(row[c])).join(",")}\r\n`,
  },
  ndjson: {
    contentType: "application/x-ndjson; charset=utf-8",
    extension: "ndjson",
    header: "",
    // Raw values: JSON has no formulas, and its readers want the data as it was.
    row: (row: ExportRow) => `${JSON.stringify(Object.fromEntries(EXPORT_COLUMNS.map((c) => [c, row[c]])))}\n`,
  },
} as const;

export type ExportFormat = keyof typeof FORMATS;
