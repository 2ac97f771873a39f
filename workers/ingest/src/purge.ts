import { idsBefore, startOfUtcDay } from "@qr3/core";
import {
  auditHorizon,
  clearFinishedDeletions,
  deletedSummaryPurges,
  expiredSummaryPurges,
  purgeExpiredIdempotencyKeys,
  purgeExpiredScans,
  purgeOldAuditEntries,
  purgeScansOfDeleted,
  purgeOldDeliveries,
  type PurgeStep,
  type Retentions,
  visitorHorizon,
  visitorPrune,
} from "@qr3/db";

// Rows per delete statement: far below D1's 30 s per query even for the busiest code.
export const PURGE_CHUNK = 5000;
// Statements per run: D1 allows 1,000 queries per invocation, and the shard's maintenance does
// other work too. Each shard's maintenance runs in an invocation of its own, with this budget of its
// own. A purge that runs out of budget stops cleanly; the next run carries on.
export const PURGE_QUERY_BUDGET = 400;
// Workspaces per statement of the purge by retention: their ids and retentions are bound as one
// JSON parameter, which D1 takes up to 2 MB (about 40 bytes a workspace).
export const RETENTIONS_PER_STATEMENT = 10_000;
// How long the webhook delivery log is kept.
export const DELIVERY_LOG_DAYS = 30;

export interface PurgeReport {
  expired_scans: number;
  expired_summaries: number;
  deleted_scans: number;
  deleted_summaries: number;
  deliveries: number;
  /** Visitor rows of days no scan is expected for any more (packages/db/src/visitors.ts). */
  visitors: number;
  /** Audit log entries past AUDIT_RETENTION_DAYS. */
  audit_entries: number;
  /** Idempotency-Key records past their expiry. */
  idempotency_keys: number;
  queries: number;
  complete: boolean;
}

export const emptyReport = (): PurgeReport => ({
  expired_scans: 0,
  expired_summaries: 0,
  deleted_scans: 0,
  deleted_summaries: 0,
  deliveries: 0,
  visitors: 0,
  audit_entries: 0,
  idempotency_keys: 0,
  queries: 0,
  complete: true,
});

type Counted = "expired_scans" | "expired_summaries" | "deleted_scans" | "deleted_summaries" | "deliveries" | "visitors" | "audit_entries" | "idempotency_keys";

/** A step of one statement. */
const one = (run: () => Promise<number>): PurgeStep => ({ queries: 1, run });

/** Runs each step until it deletes less than a chunk, within the query budget. */
async function drain(steps: Array<[Counted, PurgeStep]>, report: PurgeReport, budget: number) {
  for (const [field, step] of steps) {
    for (;;) {
      if (report.queries + step.queries > budget) {
        report.complete = false;
        return;
      }
      const deleted = await step.run();
      report.queries += step.queries;
      report[field] += deleted;
      if (deleted < PURGE_CHUNK) break;
    }
  }
}

/** Scans of deleted codes and workspaces; then the tombstones that have nothing left. */
export async function purgeDeletedScans(db: D1Database, report: PurgeReport, budget: number): Promise<void> {
  await drain(
    [
      ["deleted_scans", one(() => purgeScansOfDeleted(db, PURGE_CHUNK))],
      ...deletedSummaryPurges(db, PURGE_CHUNK).map((step) => ["deleted_summaries", step] as [Counted, PurgeStep]),
    ],
    report,
    budget,
  );
  if (report.complete) {
    await clearFinishedDeletions(db);
    report.queries++;
  }
}

/**
 * purgeOldScans: the daily retention purge of one shard. Deletes every workspace's scans, and the
 * summaries that count them, older than its retention (counted back from `now`, the cron's
 * scheduled time; `retentions` are the shard's workspaces, from the control database), the scans
 * and summaries of deleted codes and workspaces, the visitor rows of days before the visitor horizon,
 * the delivery log past 30 days, the audit log past 90 days (AUDIT_RETENTION_DAYS, to the
 * millisecond, as the API reads it) and Idempotency-Key records past their expiry. Counters such
 * as a code's total_scans are kept.
 */
export async function purgeOldScans(db: D1Database, retentions: Retentions, now: number, budget = PURGE_QUERY_BUDGET): Promise<PurgeReport> {
  const report = emptyReport();
  const dayStart = startOfUtcDay(now);
  const deliveriesBefore = idsBefore("dlv", now - DELIVERY_LOG_DAYS * 86_400_000);
  const chunks: Retentions[] = [];
  for (let i = 0; i < retentions.length; i += RETENTIONS_PER_STATEMENT) chunks.push(retentions.slice(i, i + RETENTIONS_PER_STATEMENT));
  await drain(
    [
      ...chunks.flatMap((workspaces): Array<[Counted, PurgeStep]> => [
        ["expired_scans", one(() => purgeExpiredScans(db, workspaces, dayStart, PURGE_CHUNK))],
        ...expiredSummaryPurges(db, workspaces, dayStart, PURGE_CHUNK).map((step) => ["expired_summaries", step] as [Counted, PurgeStep]),
      ]),
      ["visitors", visitorPrune(db, visitorHorizon(now), PURGE_CHUNK)],
      ["deliveries", one(() => purgeOldDeliveries(db, deliveriesBefore, PURGE_CHUNK))],
      ["audit_entries", one(() => purgeOldAuditEntries(db, auditHorizon(now), PURGE_CHUNK))],
      ["idempotency_keys", one(() => purgeExpiredIdempotencyKeys(db, new Date(now).toISOString(), PURGE_CHUNK))],
    ],
    report,
    budget,
  );
  if (report.complete) await purgeDeletedScans(db, report, budget);
  return report;
}
