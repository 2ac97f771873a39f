// Rows and messages for the workerd test projects, built through the same functions the workers use.
import { newId, shardCount, shardDb, type Databases } from "@qr3/core";
import { claimShortCode, foldScans, insertCode, insertWorkspace, storeScans, type WorkspaceRow } from "@qr3/db";
import { retentionDaysFor, type Plan, type ScanMessage, type ScanRow } from "@qr3/schema";

export interface SeededWorkspace extends WorkspaceRow {
  /** Its shard's database. */
  db: D1Database;
}

// Workspaces go to the shards in turn unless a test pins one, so that every test file spreads its
// workspaces over several shards and every path between the API, ingest and D1 routes by shard.
let nextShard = 0;

export async function seedWorkspace(
  env: Databases,
  plan: Plan = "pro",
  name = "Test workspace",
  enterpriseRetentionDays = 730,
  shard = nextShard++ % shardCount(env),
): Promise<SeededWorkspace> {
  const retention_days = retentionDaysFor(plan, plan === "enterprise" ? enterpriseRetentionDays : undefined);
  const workspace = { id: newId("ws"), name, plan, retention_days, shard, created_at: new Date().toISOString() };
  await insertWorkspace(env.CONTROL, workspace).run();
  return { ...workspace, db: shardDb(env, shard) };
}

/** A code as the API creates one: its short code claimed in the control database's directory, the code in its workspace's shard. */
export async function seedCode(env: Databases, workspace: { id: string; shard: number }, shortCode = `c${crypto.randomUUID().slice(0, 8)}`) {
  const now = new Date().toISOString();
  const code = {
    id: newId("qr"),
    workspace_id: workspace.id,
    short_code: shortCode,
    url: "https://example.com/landing",
    status: "active" as const,
    created_at: now,
    updated_at: now,
  };
  if (!(await claimShortCode(env.CONTROL, { short_code: shortCode, workspace_id: workspace.id, code_id: code.id, created_at: now }))) {
    throw new Error(`short code ${shortCode} is taken`);
  }
  await insertCode(shardDb(env, workspace.shard), code);
  return { ...code, shard: workspace.shard };
}

/** The message the redirector sends for a scan of `code` (with the code's shard, as its KV record has it). */
export function scanMessage(
  code: { id: string; workspace_id: string; url: string; shard?: number },
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
    ...(code.shard === undefined ? {} : { shard: code.shard }),
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
 * Stores rows exactly as the ingest worker does, 100 per batch, in shard `db`, then folds them
 * into the summaries unless `fold` is false (reads count what waits beside the summaries).
 */
export async function storeScanRows(db: D1Database, rows: readonly ScanRow[], { fold = true } = {}): Promise<void> {
  for (let i = 0; i < rows.length; i += 100) {
    await storeScans(db, rows.slice(i, i + 100));
  }
  if (fold) await foldScans(db);
}

/** The first row `sql` finds in any shard, with that shard's database: for a test that knows a row's id, not its shard. */
export async function firstOnShards<T = Record<string, unknown>>(env: Databases, sql: string, ...params: unknown[]): Promise<{ row: T; db: D1Database } | null> {
  for (let n = 0; n < shardCount(env); n++) {
    const db = shardDb(env, n);
    const row = await db.prepare(sql).bind(...params).first<T>();
    if (row !== null) return { row, db };
  }
  return null;
}
