// The numbers the API's schemas enforce that the dashboard shows or uses too. Zod-free, so the
// dashboard may import it.
export const API_LIMITS = {
  /** The most rows a page of any list holds, and how many without `limit`. */
  page_size: { max: 100, default: 20 },
  /** The longest analytics window, in days, and the default. */
  stats_days: { max: 365, default: 30 },
} as const;
