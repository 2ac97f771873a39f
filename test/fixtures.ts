// Rows and messages for the workerd test projects, built through the same functions the workers use.
import { newId } from "@qr3/core";
import { foldScans, insertCode, insertWorkspace, storeScans } from "@qr3/db";
import { retentionDaysFor, type Plan, type ScanMessage, type ScanRow } from "@qr3/schema";

export async function seedWorkspace(db: D1Database, plan: Plan = "pro", name = "Test workspace", enterpriseRetentionDays = 730) {
  const retention_days = retentionDaysFor(plan, plan === "enterprise" ? enterpriseRetentionDays : undefined);
  const workspace = { id: newId("ws"), name, plan, retention_days, created_at: new Date().toISOString() };
  await insertWorkspace(db, workspace).run();
  return workspace;
}

export async function seedCode(db: D1Database, workspaceId: string, shortCode = `c${crypto.randomUUID().slice(0, 8)}`) {
  const now = new Date().toISOString();
  const code = {
    id: newId("qr"),
    workspace_id: workspaceId,
    short_code: shortCode,
    url: "https://example.com/landing",
    status: "active" as const,
    created_at: now,
    updated_at: now,
  };
  await insertCode(db, code);
  return code;
}

export function scanMessage(
  code: { id: string; workspace_id: string; url: string },
  overrides: Partial<ScanMessage> = {},
): ScanMessage {
  const scannedAt = overrides.scanned_at ?? new Date().toISOString();
  return {
    scan_id: newId("scn", Date.parse(scannedAt)),
    code_id: code.id,
    workspace_id: code.workspace_id,
    scanned_at: scannedAt,
    country: "AT",
    region: "Vienna",
    city: "Vienna",
    user_agent:
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    referer: null,
    language: "de",
    redirected_to: code.url,
    ip_hash: "a".repeat(64),
    ...overrides,
  };
}

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
    is_bot: 0,
    ...fields,
  };
}

/**
 * Stores rows exactly as the ingest worker does, 100 per batch, then folds them into the summaries
 * unless `fold` is false (reads fold whatever waits).
 */
export async function storeScanRows(db: D1Database, rows: readonly ScanRow[], { fold = true } = {}): Promise<void> {
  for (let i = 0; i < rows.length; i += 100) {
    await storeScans(db, rows.slice(i, i + 100));
  }
  if (fold) await foldScans(db);
}
