// The columns of a stored scan, in table order: one list shared by the writer (ingest) and the
// readers (API, export), so the two sides cannot drift.
export const SCAN_COLUMNS = [
  "id",
  "code_id",
  "workspace_id",
  "country",
  "region",
  "city",
  "device_type",
  "os",
  "browser",
  "referer",
  "language",
  "redirected_to",
  "ip_hash",
  "scanned_at",
  "is_bot",
] as const;

export type ScanColumn = (typeof SCAN_COLUMNS)[number];

/** The columns of a raw export: every stored column but the workspace, which is the caller's own. */
export const EXPORT_COLUMNS = SCAN_COLUMNS.filter((c): c is Exclude<ScanColumn, "workspace_id"> => c !== "workspace_id");
export type ExportColumn = (typeof EXPORT_COLUMNS)[number];

export const DEVICE_TYPES = ["mobile", "tablet", "desktop"] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** A stored scan row. */
export type ScanRow = {
  [K in ScanColumn]: K extends "id" | "code_id" | "workspace_id" | "redirected_to" | "scanned_at"
    ? string
    : K extends "device_type"
      ? DeviceType | null
      : K extends "is_bot"
        ? 0 | 1
        : string | null;
};
