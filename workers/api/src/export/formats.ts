import { EXPORT_COLUMNS } from "@qr3/schema";
import type { ExportRow } from "@qr3/db";
import { csvField } from "@qr3/schema/csv";

export { csvField };

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
