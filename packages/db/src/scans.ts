import { SCAN_COLUMNS, type ScanRow } from "@qr3/schema";
import { refererHost } from "./summaries.ts";
import { REBUILD_LATE_VISITORS } from "./visitors.ts";

// A batch of scans goes in as ONE JSON array bound to the storing statements: D1 caps a statement
// at 100 bound parameters, and every statement of a batch costs a round of the query engine. Each
// row is an array of the scan's columns followed by its referer host, which is smaller and quicker
// for SQLite to read than an object. In one transaction:
// 1. the visitor rows of scans that come after their day's were pruned are rebuilt (visitors.ts);
// 2. the scan_intake view's trigger (migrations/shard) skips a scan that is already stored or
//    whose code is gone, and stores any other with its row in the tail that the summaries are
//    folded from, marked with the batch;
// 3. the batch's codes' counters and its workspaces' monthly usage move, once per code and month
//    rather than once per scan (D1 bills every row written);
// 4. a code whose count reached its scan cap (routing.max_scans) is marked capped, its version
//    moved (and so its short code marked for the link sweep): its KV record must now say so.
const INTAKE_COLUMNS = [...SCAN_COLUMNS, "referer_host", "destination"] as const;
const INTAKE = `INSERT INTO scan_intake (${INTAKE_COLUMNS.join(", ")}, batch)
  SELECT ${INTAKE_COLUMNS.map((_, i) => `j.value ->> ${i}`).join(", ")}, ?2 FROM json_each(?1) AS j`;
const COUNT_CODES = `UPDATE codes SET total_scans = total_scans + t.h, bot_scans = bot_scans + t.b
  FROM (SELECT code_id, sum(is_bot = 0) AS h, sum(is_bot) AS b FROM scan_tail WHERE batch = ?1 GROUP BY code_id) AS t
  WHERE codes.id = t.code_id`;
const CAP_CODES = `UPDATE codes SET capped_at = ?2, version = version + 1
  WHERE id IN (SELECT DISTINCT code_id FROM scan_tail WHERE batch = ?1 AND is_bot = 0)
    AND capped_at IS NULL AND total_scans >= routing ->> 'max_scans'
  RETURNING short_code`;
const COUNT_MONTHS = `INSERT INTO workspace_monthly_scans (workspace_id, month, scans)
  SELECT workspace_id, substr(day, 1, 7) AS month, count(*) FROM scan_tail WHERE batch = ?1 AND is_bot = 0 GROUP BY workspace_id, month
  ON CONFLICT (workspace_id, month) DO UPDATE SET scans = scans + excluded.scans`;
const WAITING = "SELECT count(*) AS waiting FROM scan_tail";

/** The index of CAP_CODES among the statements that store a batch. */
const CAP_STATEMENT = 3;

/** A batch's mark on its tail rows: random, so that concurrent batches never share one. */
function batchMark(): number {
  const [hi, lo] = crypto.getRandomValues(new Uint32Array(2));
  return (hi! & 0x1fffff) * 2 ** 32 + lo!;
}

/** The statements that store a batch of scans with their counters, leaving them to be folded. */
/**
 * A scan to store, with the destination it is counted by in top_destinations when that is not
 * its redirected_to (the URL before the visitor's query string was forwarded onto it).
 */
export type IntakeRow = ScanRow & { destination?: string | null };

function storeScansStatements(db: D1Database, rows: readonly IntakeRow[]): D1PreparedStatement[] {
  const values = JSON.stringify(rows.map((r) => [...SCAN_COLUMNS.map((c) => r[c]), refererHost(r.referer), r.destination ?? null]));
  const batch = batchMark();
  return [
    db.prepare(REBUILD_LATE_VISITORS).bind(values, rows.reduce((min, r) => (r.scanned_at < min ? r.scanned_at : min), "9999").slice(0, 10)),
    db.prepare(INTAKE).bind(values, batch),
    db.prepare(COUNT_CODES).bind(batch),
    db.prepare(CAP_CODES).bind(batch, new Date().toISOString()),
    db.prepare(COUNT_MONTHS).bind(batch),
  ];
}

export interface StoredScans<T> {
  /** The results of the `after` statements, in order. */
  after: D1Result<T>[];
  /** Scans waiting to be folded into the summaries once the batch was stored. */
  waiting: number;
  /** The addresses of the codes this batch brought to their scan cap: their KV records must say so. */
  capped: string[];
}

/**
 * Stores a batch of scans with their counters, and runs `after` in the same transaction. The
 * scans are left waiting for foldScans; the answer says how many wait.
 */
export async function storeScans<T = unknown>(db: D1Database, rows: readonly IntakeRow[], after: D1PreparedStatement[] = []): Promise<StoredScans<T>> {
  const store = storeScansStatements(db, rows);
  const results = await db.batch<T>([...store, ...after, db.prepare(WAITING)]);
  const capped = (results[CAP_STATEMENT]!.results as unknown as Array<{ short_code: string }>).map((r) => r.short_code);
  return { after: results.slice(store.length, -1), waiting: (results.at(-1)!.results[0] as { waiting: number }).waiting, capped };
}

/**
 * How many scans the shard holds (those within retention: the purge deletes the rest) and its
 * size in bytes, as D1 reports it after a query. Reads the table whole: for the admin command's
 * placement and report, never on a request's path.
 */
export async function shardSize(db: D1Database): Promise<{ scans: number; bytes: number }> {
  const result = await db.prepare("SELECT count(*) AS scans FROM scans").all<{ scans: number }>();
  return { scans: result.results[0]!.scans, bytes: result.meta.size_after };
}
