import { addDays, retentionStart, utcDate } from "@qr3/core";
import { badRequest } from "../errors.ts";

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z$/;

/** A date (YYYY-MM-DD, a UTC day) or an ISO-8601 UTC time; its first instant, and whether it was a day. */
function parseBound(field: string, value: string): { ms: number; isDay: boolean } {
  if (DATE.test(value)) {
    const ms = Date.parse(`${value}T00:00:00.000Z`);
    if (!Number.isNaN(ms) && utcDate(ms) === value) return { ms, isDay: true };
  } else if (DATETIME.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return { ms, isDay: false };
  }
  throw badRequest(field, "must be a date (YYYY-MM-DD) or an ISO-8601 UTC time (2026-05-12T14:32:11Z)");
}

export interface ExportRange {
  /** Inclusive. */
  from: string;
  /** Exclusive. */
  to: string;
  /** For the file name. */
  label: string;
}

/**
 * The export's time range. `from` and `to` are both inclusive (a date covers its whole UTC day);
 * without `from` the export starts at the retention's first day, without `to` it runs to now.
 * Nothing before the workspace's retention is ever exported.
 */
export function exportRange(query: { from?: string | undefined; to?: string | undefined }, retentionDays: number, now: number): ExportRange {
  const floor = retentionStart(now, retentionDays);
  const from = query.from === undefined ? floor : parseBound("from", query.from).ms;
  let to = now + 1;
  if (query.to !== undefined) {
    const bound = parseBound("to", query.to);
    to = bound.isDay ? addDays(bound.ms, 1) : bound.ms + 1;
  }
  if (to <= from) throw badRequest("to", "must not be before from");
  const start = Math.max(from, floor);
  return {
    from: new Date(start).toISOString(),
    to: new Date(Math.max(to, start)).toISOString(),
    label: `${utcDate(from)}-to-${utcDate(to - 1)}`,
  };
}
