import { EXPORT_COLUMNS } from "@qr3/schema";
import type { ExportRow } from "@qr3/db";

// RFC 4180: fields holding a comma, a double quote, CR or LF are quoted, quotes inside doubled,
// records end in CRLF. A null is an empty field.
function csvField(value: string | number | null): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const FORMATS = {
  csv: {
    contentType: "text/csv; charset=utf-8",
    extension: "csv",
    header: `${EXPORT_COLUMNS.join(",")}\r\n`,
    row: (row: ExportRow) => `${EXPORT_COLUMNS.map((c) => csvField(row[c])).join(",")}\r\n`,
  },
  ndjson: {
    contentType: "application/x-ndjson; charset=utf-8",
    extension: "ndjson",
    header: "",
    row: (row: ExportRow) => `${JSON.stringify(Object.fromEntries(EXPORT_COLUMNS.map((c) => [c, row[c]])))}\n`,
  },
} as const;

export type ExportFormat = keyof typeof FORMATS;
