import * as z from "zod/mini";
import { DIMENSIONS, DIMENSION_NAMES } from "../dimensions.ts";
import { booleanParam, describedAs, integerParam } from "./common.ts";
import { API_LIMITS, FILTER_DIMENSIONS, GRANULARITIES, type FilterDimension } from "./limits.ts";

const { stats_days, stats_filter } = API_LIMITS;

/** A local date in a query string: YYYY-MM-DD, a date of the calendar. */
const dateParam = z
  .string()
  .check(
    z.regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date as YYYY-MM-DD"),
    z.refine((v: string) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), "is not a date of the calendar"),
  )
  .register(z.globalRegistry, describedAs({ type: "string", format: "date" }));

/** A filter given once or repeated: always a list of its distinct values. */
const filterParam = (dim: FilterDimension) =>
  z
    .pipe(z.union([z.string(), z.array(z.string())]), z.transform((v: string | string[]) => [...new Set(typeof v === "string" ? [v] : v)]))
    .check(
      z.refine((list: string[]) => list.every((t) => t.length >= 1 && t.length <= stats_filter.value_max), `must be 1 to ${stats_filter.value_max} characters`),
      z.maxLength(stats_filter.values_max, `must be given at most ${stats_filter.values_max} times`),
    )
    .register(z.globalRegistry, {
      ...describedAs({ type: "array", items: { type: "string", minLength: 1, maxLength: stats_filter.value_max }, maxItems: stats_filter.values_max }),
      description: `Only scans whose ${dim === "referer" ? "referer host" : dim.replace("_", " ")} is one of these; repeat it for more than one.`,
    });

const filterParams = Object.fromEntries(FILTER_DIMENSIONS.map((d) => [d, z.optional(filterParam(d))])) as Record<FilterDimension, z.ZodMiniOptional<ReturnType<typeof filterParam>>>;

export const ScanStatsQuery = z.strictObject({
  days: integerParam(1, stats_days.max, stats_days.default).register(z.globalRegistry, {
    ...describedAs({ type: "integer", minimum: 1, maximum: stats_days.max, default: stats_days.default }),
    description: "The last `days` local dates, today included. Not with from/to.",
  }),
  from: z.optional(dateParam).register(z.globalRegistry, {
    ...describedAs({ type: "string", format: "date" }),
    description: `The window's first local date (instead of days), at most ${stats_days.range_max} days before to, not before the retention allows.`,
  }),
  to: z.optional(dateParam).register(z.globalRegistry, {
    ...describedAs({ type: "string", format: "date" }),
    description: "The window's last local date, included; today when omitted, never after today. Needs from.",
  }),
  tz: z._default(z.string().check(z.minLength(1), z.maxLength(64)), "UTC"),
  include_bots: booleanParam(false),
  granularity: z._default(z.enum(GRANULARITIES), "day").register(z.globalRegistry, {
    description: "The periods of `series`: days, ISO weeks (Monday to Sunday in tz) or calendar months.",
  }),
  compare: z.optional(z.enum(["previous"])).register(z.globalRegistry, {
    description: "previous: also answer the window of equal length just before (`previous`) and the relative change (`change`).",
  }),
  ...filterParams,
});
export type ScanStatsQuery = z.output<typeof ScanStatsQuery>;

export const ExportQuery = z.strictObject({
  format: z._default(z.enum(["csv", "ndjson"]), "csv"),
  from: z.optional(z.string()),
  to: z.optional(z.string()),
});

export const DayCount = z
  .object({ date: z.iso.date(), count: z.int(), unique: z.int() })
  .register(z.globalRegistry, { id: "DayCount" });

export const TopEntry = z
  .object({ value: z.nullable(z.string()), count: z.int() })
  .register(z.globalRegistry, { id: "TopEntry", description: "An entry of a top list; a null value is unknown." });

type TopField = (typeof DIMENSIONS)[keyof typeof DIMENSIONS]["field"];
const topLists = Object.fromEntries(DIMENSION_NAMES.map((d) => [DIMENSIONS[d].field, z.array(TopEntry)])) as Record<TopField, z.ZodMiniArray<typeof TopEntry>>;

export const SeriesEntry = z
  .object({ start: z.iso.date(), count: z.int(), unique: z.int() })
  .register(z.globalRegistry, {
    id: "SeriesEntry",
    description: "A period of the granularity asked for: start is its first date inside the window (a week's Monday, a month's first, or from).",
  });

export const HourCount = z
  .object({ weekday: z.int().check(z.minimum(1), z.maximum(7)), hour: z.int().check(z.minimum(0), z.maximum(23)), count: z.int() })
  .register(z.globalRegistry, { id: "HourCount", description: "Scans on a local weekday (1 is Monday) at a local hour, over the window." });

export const PreviousPeriod = z
  .object({ from: z.iso.date(), to: z.iso.date(), period_scans: z.int(), period_unique_scans: z.int(), scans_by_day: z.array(DayCount) })
  .register(z.globalRegistry, { id: "PreviousPeriod", description: "The window of equal length just before, with the same filters." });

export const PeriodChange = z
  .object({ period_scans: z.nullable(z.number()), period_unique_scans: z.nullable(z.number()) })
  .register(z.globalRegistry, {
    id: "PeriodChange",
    description: "(current - previous) / previous, rounded to 4 decimals (0.25 is +25%); null when the previous figure is 0.",
  });

const filtersEcho = z
  .object(Object.fromEntries(FILTER_DIMENSIONS.map((d) => [d, z.optional(z.array(z.string()))])) as Record<FilterDimension, z.ZodMiniOptional<z.ZodMiniArray<z.ZodMiniString>>>)
  .register(z.globalRegistry, { id: "ScanFilters", description: "The filters applied, as given: {} when none." });

/** What every aggregation answers, a code's, a workspace's or a tag's. */
const aggregation = {
  total_scans: z.int(),
  period_days: z.int(),
  from: z.iso.date(),
  to: z.iso.date(),
  tz: z.string(),
  granularity: z.enum(GRANULARITIES),
  filters: filtersEcho,
  period_scans: z.int(),
  period_unique_scans: z.int(),
  bot_scans: z.int(),
  scans_by_day: z.array(DayCount),
  series: z.array(SeriesEntry),
  scans_by_hour: z.array(HourCount),
  ...topLists,
  previous: z.optional(PreviousPeriod),
  change: z.optional(PeriodChange),
};

export const CodeScanStats = z
  .object({ code_id: z.string(), short_code: z.string(), ...aggregation })
  .register(z.globalRegistry, { id: "CodeScanStats" });
export type CodeScanStats = z.output<typeof CodeScanStats>;

export const TopCode = z
  .object({ value: z.string(), short_code: z.string(), count: z.int() })
  .register(z.globalRegistry, { id: "TopCode", description: "A code among the workspace's most scanned; value is its id." });

export const WorkspaceScanStats = z
  .object({ workspace_id: z.string(), ...aggregation, top_codes: z.array(TopCode) })
  .register(z.globalRegistry, { id: "WorkspaceScanStats" });
export type WorkspaceScanStats = z.output<typeof WorkspaceScanStats>;

export const TagScanStats = z
  .object({ tag: z.string(), code_count: z.int(), ...aggregation, top_codes: z.array(TopCode) })
  .register(z.globalRegistry, {
    id: "TagScanStats",
    description:
      "Every code now carrying the tag, together. Its unique counts are the sum of each code's: a visitor who scans two codes of the tag on one day counts once for each.",
  });
export type TagScanStats = z.output<typeof TagScanStats>;

/** The fields both aggregations have: what the dashboard's analytics view draws. */
export type ScanStats = Omit<CodeScanStats, "code_id" | "short_code">;
export type TopListField = TopField;
export type TopEntry = z.output<typeof TopEntry>;
export type DayCount = z.output<typeof DayCount>;
export type SeriesEntry = z.output<typeof SeriesEntry>;
export type HourCount = z.output<typeof HourCount>;
export type PreviousPeriod = z.output<typeof PreviousPeriod>;
export type PeriodChange = z.output<typeof PeriodChange>;
export type TopCode = z.output<typeof TopCode>;
