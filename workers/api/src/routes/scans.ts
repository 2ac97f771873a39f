import { addDays, retentionStart, startOfUtcDay } from "@qr3/core";
import { codeScanStats, getCode } from "@qr3/db";
import { notFound } from "../errors.ts";
import type { ApiRequest } from "../context.ts";
import { ok } from "../respond.ts";
import { ScanStatsQuery } from "../schemas.ts";
import { parseWith } from "../validation.ts";

/**
 * GET /v1/codes/:id/scans?days=N: the last N UTC days, today included. A window longer than the
 * workspace's retention starts at the retention's first day: scans the purge has not yet reached
 * are never reported.
 */
export async function codeScansRoute(request: ApiRequest, env: Env): Promise<Response> {
  const { days } = parseWith(ScanStatsQuery, request.query);
  const code = await getCode(env.DB, request.auth.workspaceId, request.params.id!);
  if (!code) throw notFound("Code");

  const now = Date.now();
  const since = new Date(Math.max(addDays(startOfUtcDay(now), 1 - days), retentionStart(now, request.auth.retentionDays))).toISOString();
  const stats = await codeScanStats(env.DB, code.id, since);
  return ok(request, {
    code_id: code.id,
    short_code: code.short_code,
    total_scans: code.total_scans,
    period_days: days,
    period_scans: stats.scans_by_day.reduce((sum, d) => sum + d.count, 0),
    ...stats,
  });
}
