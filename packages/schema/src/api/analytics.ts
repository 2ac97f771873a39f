import * as z from "zod/mini";
import { DIMENSIONS, DIMENSION_NAMES } from "../dimensions.ts";
import { booleanParam, integerParam } from "./common.ts";
import { API_LIMITS } from "./limits.ts";

export const ScanStatsQuery = z.strictObject({
  days: integerParam(1, API_LIMITS.stats_days.max, API_LIMITS.stats_days.default),
  tz: z._default(z.string().check(z.minLength(1), z.maxLength(64)), "UTC"),
  include_bots: booleanParam(false),
});

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

/** What every aggregation answers, a code's or a workspace's. */
const aggregation = {
  total_scans: z.int(),
  period_days: z.int(),
  tz: z.string(),
  period_scans: z.int(),
  period_unique_scans: z.int(),
  bot_scans: z.int(),
  scans_by_day: z.array(DayCount),
  ...topLists,
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

/** The fields both aggregations have: what the dashboard's analytics view draws. */
export type ScanStats = Omit<CodeScanStats, "code_id" | "short_code">;
export type TopListField = TopField;
export type TopEntry = z.output<typeof TopEntry>;
export type DayCount = z.output<typeof DayCount>;
export type TopCode = z.output<typeof TopCode>;
