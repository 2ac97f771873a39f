// One CSV field, as the scan export and the dashboard's downloads write it. Zod-free, so the
// dashboard may import it.

export type CsvCell = string | number | null;

// A text cell a spreadsheet would run as a formula: one beginning with =, +, -, @, tab or CR.
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * RFC 4180: a field holding a comma, a double quote, CR or LF is quoted, quotes inside doubled; a
 * null is an empty field. Text that a spreadsheet would run as a formula (a scan's referer, city,
 * ... come from whoever scanned) is neutralised as OWASP recommends: a single quote before it
 * makes it text, and the field is quoted. Numbers are our own and stay.
 */
export function csvField(value: CsvCell): string {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  if (FORMULA_START.test(value)) return `"'${value.replaceAll('"', '""')}"`;
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
