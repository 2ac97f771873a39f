import { getCode } from "@qr3/db";
import { aggregate } from "../analytics/aggregate.ts";
import { presentAggregation } from "../analytics/present.ts";
import { windowOf } from "../analytics/window.ts";
import { notFound } from "../errors.ts";
import type { ApiRequest } from "../context.ts";
import { ok } from "../respond.ts";
import { parseScanQuery } from "./scan-query.ts";

/**
 * GET /v1/codes/:id/scans?days=N&tz=Zone&include_bots=false: the last N local dates, today
 * included, from summaries. A window longer than the workspace's retention simply holds fewer
 * scans: nothing the purge has not yet reached is ever reported.
 */
export async function codeScansRoute(request: ApiRequest, env: Env): Promise<Response> {
  const query = parseScanQuery(request);
  const window = windowOf(query.tz, query.days, request.auth.retentionDays, Date.now());
  // Both at once, to save a round trip; the figures are only answered once the code has been
  // found in the caller's workspace.
  const [code, result] = await Promise.all([
    getCode(env.DB, request.auth.workspaceId, request.params.id!),
    aggregate(env.DB, window, { scope: request.params.id!, includeBots: query.include_bots }),
  ]);
  if (!code) throw notFound("Code");
  const { period_days, ...rest } = presentAggregation(window, result);
  return ok(request, {
    code_id: code.id,
    short_code: code.short_code,
    total_scans: code.total_scans + (query.include_bots ? code.bot_scans : 0),
    period_days,
    ...rest,
  });
}
