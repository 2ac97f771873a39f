import { addDays, startOfUtcDay } from "./time.ts";

/**
 * The first instant still retained at `now` by a retention of `days` UTC days, today included:
 * with 7 days on 2026-05-12, scans from 2026-05-06T00:00:00.000Z on are kept. The purge deletes
 * what lies before it and every read starts no earlier.
 */
export function retentionStart(now: number, days: number): number {
  return addDays(startOfUtcDay(now), 1 - days);
}
