import { SCAN_COLUMNS, type ScanRow } from "@qr3/schema";
import { refererHost } from "./summaries.ts";

// A batch of scans goes in as ONE statement with ONE bound JSON array: D1 caps a statement at 100
// bound parameters, and every statement of a batch costs a round of the query engine. Each row is
// an array of the scan's columns followed by its referer host, which is smaller and quicker for
// SQLite to read than an object. The scan_intake view's trigger (migrations/shard)
// skips a scan that is already stored or whose code is gone, and stores any other with its
// counters and its row in the tail that the summaries are folded from.
const INTAKE_COLUMNS = [...SCAN_COLUMNS, "referer_host"] as const;
const INTAKE = `INSERT INTO scan_intake (${INTAKE_COLUMNS.join(", ")})
  SELECT ${INTAKE_COLUMNS.map((_, i) => `j.value ->> ${i}`).join(", ")} FROM json_each(?1) AS j`;
const WAITING = "SELECT count(*) AS waiting FROM scan_tail";

/** The statement that stores a batch of scans with their counters, leaving them to be folded. */
function storeScansStatement(db: D1Database, rows: readonly ScanRow[]): D1PreparedStatement {
  const values = rows.map((r) => [...SCAN_COLUMNS.map((c) => r[c]), refererHost(r.referer)]);
  return db.prepare(INTAKE).bind(JSON.stringify(values));
}

export interface StoredScans<T> {
  /** The results of the `after` statements, in order. */
  after: D1Result<T>[];
  /** Scans waiting to be folded into the summaries once the batch was stored. */
  waiting: number;
}

/**
 * Stores a batch of scans with their counters, and runs `after` in the same transaction. The
 * scans are left waiting for foldScans; the answer says how many wait.
 */
export async function storeScans<T = unknown>(db: D1Database, rows: readonly ScanRow[], after: D1PreparedStatement[] = []): Promise<StoredScans<T>> {
  const results = await db.batch<T>([storeScansStatement(db, rows), ...after, db.prepare(WAITING)]);
  return { after: results.slice(1, -1), waiting: (results.at(-1)!.results[0] as { waiting: number }).waiting };
}

/**
 * How many scans the shard holds (those within retention: the purge deletes the rest) and its
 * size in bytes, as D1 reports it after a query. Reads the smallest index of scans whole: for the
 * admin command's placement and report, never on a request's path.
 */
export async function shardSize(db: D1Database): Promise<{ scans: number; bytes: number }> {
  const result = await db.prepare("SELECT count(*) AS scans FROM scans").all<{ scans: number }>();
  return { scans: result.results[0]!.scans, bytes: result.meta.size_after };
}
