import { codeRead, type CodeRow } from "@qr3/db";
import { shortCodeOf } from "../present.ts";
import { scanStats } from "../analytics/answer.ts";
import { parseStatsQuery, type StatsQuery } from "../analytics/query.ts";
import type { ApiRequest } from "../context.ts";
import { ok } from "../respond.ts";
import { notFound } from "../errors.ts";

/**
 * GET /v1/codes/:id/scans: the last `days` local dates, today included, or the dates from `from`
 * to `to`, from summaries (from the matching raw scans when filtered). A window longer than the
 * workspace's retention simply holds fewer scans: nothing the purge has not yet reached is ever
 * reported.
 */
export async function codeScansRoute(request: ApiRequest): Promise<Response> {
  const code = codeRead(request.db, request.auth.workspaceId, request.params.id!);
  let query: StatsQuery;
  try {
    query = parseStatsQuery(request);
  } catch (err) {
    // A code of another workspace (or none) is a 404 whatever the query.
    if (!(await code.first())) throw notFound("Code");
    throw err;
  }
  // Unfiltered, the code is read in the figures' batch (one round trip): only its workspace's
  // codes have a row, and for any other the figures, read by the id asked, are dropped unseen.
  // The raw scans a filter reads are read only once the code is known to be the caller's.
  const filtered = Object.keys(query.filters).length > 0;
  const known = filtered ? await code.first<CodeRow>() : null;
  if (filtered && !known) throw notFound("Code");
  const { fields, along } = await scanStats(request.db, { kind: "code", id: request.params.id! }, query, filtered ? [] : [code]);
  const row = known ?? (along[0]?.results[0] as CodeRow | undefined);
  if (!row) throw notFound("Code");
  return ok(request, {
    code_id: row.id,
    short_code: shortCodeOf(row),
    total_scans: row.total_scans + (query.includeBots ? row.bot_scans : 0),
    ...fields,
  });
}
