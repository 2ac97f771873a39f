import { shortCodeOf } from "../present.ts";
import { aggregate } from "../analytics/aggregate.ts";
import { presentAggregation } from "../analytics/present.ts";
import { windowOf } from "../analytics/window.ts";
import type { ApiRequest } from "../context.ts";
import { ok } from "../respond.ts";
import { findCode } from "./codes.ts";
import { parseScanQuery } from "./scan-query.ts";

/**
 * GET /v1/codes/:id/scans?days=N&tz=Zone&include_bots=false: the last N local dates, today
 * included, from summaries. A window longer than the workspace's retention simply holds fewer
 * scans: nothing the purge has not yet reached is ever reported.
 */
export async function codeScansRoute(request: ApiRequest, env: Env): Promise<Response> {
  // The code first: nothing, not even reading the summaries, is done for a code of another
  // workspace (or none), and its answer does not depend on the query.
  const code = await findCode(request);
  const query = parseScanQuery(request);
  const window = windowOf(query.tz, query.days, request.auth.retentionDays, Date.now());
  const result = await aggregate(request.db, window, { scope: code.id, includeBots: query.include_bots });
  const { period_days, ...rest } = presentAggregation(window, result);
  return ok(request, {
    code_id: code.id,
    short_code: shortCodeOf(code),
    total_scans: code.total_scans + (query.include_bots ? code.bot_scans : 0),
    period_days,
    ...rest,
  });
}
