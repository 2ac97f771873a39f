import { shortCodeOf } from "../present.ts";
import { scanStats } from "../analytics/answer.ts";
import { parseStatsQuery } from "../analytics/query.ts";
import type { ApiRequest } from "../context.ts";
import { ok } from "../respond.ts";
import { findCode } from "./codes.ts";

/**
 * GET /v1/codes/:id/scans: the last `days` local dates, today included, or the dates from `from`
 * to `to`, from summaries (from the matching raw scans when filtered). A window longer than the
 * workspace's retention simply holds fewer scans: nothing the purge has not yet reached is ever
 * reported.
 */
export async function codeScansRoute(request: ApiRequest, env: Env): Promise<Response> {
  // The code first: nothing, not even reading the summaries, is done for a code of another
  // workspace (or none), and its answer does not depend on the query.
  const code = await findCode(request);
  const query = parseStatsQuery(request);
  const { fields } = await scanStats(request.db, { kind: "code", id: code.id }, query);
  return ok(request, {
    code_id: code.id,
    short_code: shortCodeOf(code),
    total_scans: code.total_scans + (query.includeBots ? code.bot_scans : 0),
    ...fields,
  });
}
