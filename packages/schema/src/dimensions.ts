// The dimensions that scans are counted by, with the API field and the length of each top list.
// One map for the ingest side (which summary rows to keep) and the API side (what to answer).
export const DIMENSIONS = {
  country: { field: "top_countries", limit: 8 },
  device_type: { field: "top_devices", limit: 5 },
  os: { field: "top_os", limit: 5 },
  browser: { field: "top_browsers", limit: 5 },
  referer: { field: "top_referers", limit: 5 }, // by host
  language: { field: "top_languages", limit: 5 },
  city: { field: "top_cities", limit: 8 },
  // The destination a code's settings chose (rules, variants, fallback), before the visitor's
  // query string was forwarded onto it.
  destination: { field: "top_destinations", limit: 5 },
} as const;

export type Dimension = keyof typeof DIMENSIONS;
export const DIMENSION_NAMES = Object.keys(DIMENSIONS) as Dimension[];

/** Workspace aggregations also rank codes. */
export const TOP_CODES_LIMIT = 10;

/** Summary time buckets: quarter hours, on which every time zone's midnight falls. */
export const QUARTER_MS = 15 * 60 * 1000;
