import { SCAN_COLUMNS, type ScanColumn } from "@qr3/schema";

// scans is clustered on (code_id, scanned_at, id) (migrations/shard/0002): a code's scans in a
// time range are one range of the table. A workspace's are one range per code, of its codes and
// of the codes deleted but whose scans the purge has not reached yet (their tombstones name no
// workspace, so the rows are matched on workspace_id too).

/** The ids of workspace `workspace` (an SQL expression)'s codes, the deleted ones included: a subquery with column id. */
const workspaceCodeIds = (workspace: string) =>
  `(SELECT id FROM codes WHERE workspace_id = ${workspace} UNION ALL SELECT id FROM deletions WHERE kind = 'code')`;

/**
 * The FROM clause and condition that select the scans of `scope` (an SQL expression naming a code
 * or, when `workspace` is true, a workspace), as `s`, through the primary key: join it, then
 * filter s.scanned_at.
 */
export function scopeScans(scope: string, workspace: boolean): { from: string; where: string } {
  return workspace
    ? { from: `${workspaceCodeIds(scope)} AS k CROSS JOIN scans s ON s.code_id = k.id`, where: `s.workspace_id = ${scope}` }
    : { from: "scans s", where: `s.code_id = ${scope}` };
}

/** A stored ip_hash (32 bytes) as the API shows it: lower-case hex, or null. */
export const ipHashHex = (column: string) => `lower(nullif(hex(${column}), ''))`;

/** Columns of scans as the API shows them (ip_hash in hex), for a SELECT list. */
export const scanColumnsSql = (columns: readonly ScanColumn[]) => columns.map((c) => (c === "ip_hash" ? `${ipHashHex(c)} AS ip_hash` : c)).join(", ");

/** Every column of a stored scan as a ScanRow has it. */
export const SCAN_ROW_SQL = scanColumnsSql(SCAN_COLUMNS);
