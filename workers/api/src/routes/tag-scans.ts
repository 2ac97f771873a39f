import { codesTagged } from "@qr3/db";
import { normalizeTag } from "@qr3/schema/api";
import { scanStats } from "../analytics/answer.ts";
import { parseStatsQuery } from "../analytics/query.ts";
import { topCodes } from "../analytics/top-codes.ts";
import type { ApiRequest } from "../context.ts";
import { badRequest, notFound } from "../errors.ts";
import { ok } from "../respond.ts";

/** A path parameter as it was percent-encoded in the path (the router leaves it encoded). */
export function pathSegment(raw: string, field: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badRequest(field, "is not percent-encoded UTF-8");
  }
}

/**
 * GET /v1/tags/:tag/scans: a campaign, every code now carrying the tag together, from the tag's
 * own summaries (migrations/shard/0008). Its unique counts are its codes' summed (a visitor who
 * scans two of them on one day counts for each): each code's are exact and kept, a visitor across
 * codes is not.
 */
export async function tagScansRoute(request: ApiRequest): Promise<Response> {
  const tag = normalizeTag(pathSegment(request.params.tag ?? "", "tag"));
  const workspaceId = request.auth.workspaceId;
  const { results: codes } = await codesTagged(request.db, workspaceId, tag).all<{ id: string; total_scans: number; bot_scans: number }>();
  if (codes.length === 0) throw notFound("Tag");
  const query = parseStatsQuery(request);
  const { result, fields } = await scanStats(request.db, { kind: "tag", workspaceId, tag, codeIds: codes.map((c) => c.id) }, query);
  return ok(request, {
    tag,
    code_count: codes.length,
    total_scans: codes.reduce((s, c) => s + c.total_scans + (query.includeBots ? c.bot_scans : 0), 0),
    ...fields,
    top_codes: await topCodes(request.db, workspaceId, result.top.code ?? []),
  });
}
