// The numbers the API's schemas enforce that the dashboard shows or uses too. Zod-free, so the
// dashboard may import it.
export const API_LIMITS = {
  /** The most rows a page of any list holds, and how many without `limit`. */
  page_size: { max: 100, default: 20 },
  /** The longest analytics window by `days`, the default, and the longest from/to range (both included). */
  stats_days: { max: 365, default: 30, range_max: 366 },
  /** How often one analytics filter may be repeated, and its longest value. */
  stats_filter: { values_max: 20, value_max: 500 },
  /** A code's name, in characters. */
  code_name: { max: 200 },
  /** The most tags a code carries (once normalised), and the longest tag, in characters. */
  code_tags: { max: 20, tag_max: 50 },
  /** A code's external_id, the caller's own id for it, in characters. */
  external_id: { max: 200 },
  /** The longest search text of a code list (`q`). */
  code_search: { max: 200 },
  /** The most codes one bulk create or bulk update takes. */
  bulk_codes: { max: 1000 },
  /**
   * The most codes one tag's ZIP of QR images holds (each is drawn in the request), and the most
   * pixels its PNGs may add up to, in millions: a PNG's drawing time grows with its pixels.
   */
  tag_qr_zip: { max: 500, png_megapixels_max: 1000 },
  /** The most branded domains a workspace may have, pending ones included. */
  domains: { max: 20 },
} as const;

/** How a code list may be ordered: a field, newest or largest first with "-". */
export const CODE_SORTS = ["-created_at", "created_at", "name", "-total_scans", "total_scans"] as const;
export type CodeSort = (typeof CODE_SORTS)[number];
export const DEFAULT_CODE_SORT = "-created_at" satisfies CodeSort;

/** The dimensions an aggregation can be filtered on (each repeatable: any of its values; several: all must hold). */
export const FILTER_DIMENSIONS = ["country", "region", "city", "device_type", "os", "browser", "language", "referer", "destination"] as const;
export type FilterDimension = (typeof FILTER_DIMENSIONS)[number];

/** The periods of an aggregation's `series`. */
export const GRANULARITIES = ["day", "week", "month"] as const;
export type Granularity = (typeof GRANULARITIES)[number];
