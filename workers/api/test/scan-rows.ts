import { env } from "cloudflare:workers";
import { newId } from "@qr3/core";
import { insertScans } from "@qr3/db";
import type { ScanRow } from "@qr3/schema";

/** A stored scan of `code`, as the ingest worker writes it. */
export function scanRow(code: { id: string; workspace_id: string }, scanned_at: string, fields: Partial<ScanRow> = {}): ScanRow {
  return {
    id: newId("scn", Date.parse(scanned_at)),
    code_id: code.id,
    workspace_id: code.workspace_id,
    country: null,
    region: null,
    city: null,
    device_type: null,
    os: null,
    browser: null,
    referer: null,
    language: null,
    redirected_to: "https://example.com",
    ip_hash: null,
    scanned_at,
    ...fields,
  };
}

export async function storeScans(rows: ScanRow[]) {
  for (let i = 0; i < rows.length; i += 100) await insertScans(env.DB, rows.slice(i, i + 100)).run();
}
