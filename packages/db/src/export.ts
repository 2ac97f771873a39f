import { EXPORT_COLUMNS, type ExportColumn } from "@qr3/schema";
import { scanColumnsSql } from "./scope-scans.ts";

export type ExportRow = { [K in ExportColumn]: K extends "is_bot" ? number : string | null };

export interface ExportCursor {
  scanned_at: string;
  id: string;
}

const SELECT_EXPORT = `SELECT ${scanColumnsSql(EXPORT_COLUMNS)} FROM scans
  WHERE code_id = ?1 AND scanned_at >= ?2 AND scanned_at < ?3 AND (scanned_at, id) > (?4, ?5)
  ORDER BY scanned_at, id LIMIT ?6`;

/**
 * One page of a code's raw scans in [from, to), in scanned_at order, after `cursor` (keyset
 * pagination on scans' primary key, (code_id, scanned_at, id): every page costs the same however deep).
 */
export async function exportPage(
  db: D1Database,
  codeId: string,
  from: string,
  to: string,
  cursor: ExportCursor | null,
  limit: number,
): Promise<ExportRow[]> {
  const { results } = await db
    .prepare(SELECT_EXPORT)
    .bind(codeId, from, to, cursor?.scanned_at ?? "", cursor?.id ?? "", limit)
    .all<ExportRow>();
  return results;
}
