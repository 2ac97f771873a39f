import { SCAN_COLUMNS } from "@qr3/schema";

// The whole queue batch goes in as ONE bound JSON array and ONE statement: D1 caps a statement at
// 100 bound parameters (7 rows of 14 columns), and one statement per row costs a round of the
// query engine each. INSERT OR IGNORE on the primary key makes redelivered messages no-ops, and the
// EXISTS guard drops scans whose code was deleted (or whose workspace does not own it) meanwhile.
const INSERT_SCANS_SQL = `
INSERT OR IGNORE INTO scans (${SCAN_COLUMNS.join(", ")})
SELECT ${SCAN_COLUMNS.map((c) => `j.value ->> '${c}'`).join(", ")}
FROM json_each(?1) AS j
WHERE EXISTS (
  SELECT 1 FROM codes c WHERE c.id = j.value ->> 'code_id' AND c.workspace_id = j.value ->> 'workspace_id'
)`;

/** `json` is the JSON array of the rows (objects may carry more fields; they are ignored). */
export function insertScansJson(db: D1Database, json: string): D1PreparedStatement {
  return db.prepare(INSERT_SCANS_SQL).bind(json);
}
