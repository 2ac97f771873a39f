import { SCAN_COLUMNS } from "@qr3/schema";

// The whole queue batch goes in as ONE bound JSON array and ONE statement: D1 caps a statement at
// 100 bound parameters (7 rows of 14 columns), and one statement per row costs a round of the
// query engine each. INSERT OR IGNORE on the primary key makes redelivered messages no-ops, and the
// EXISTS guard drops scans whose code was deleted (or whose workspace does not own it) meanwhile.
/** The insert of the rows that `source` (a json_each table) yields; objects may carry more fields. */
export const insertScansSql = (source: string): string => `
INSERT OR IGNORE INTO scans (${SCAN_COLUMNS.join(", ")})
SELECT ${SCAN_COLUMNS.map((c) => `j.value ->> '${c}'`).join(", ")}
FROM ${source} AS j
WHERE EXISTS (
  SELECT 1 FROM codes c WHERE c.id = j.value ->> 'code_id' AND c.workspace_id = j.value ->> 'workspace_id'
)`;

