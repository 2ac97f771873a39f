import { shortCodeOf } from "../present.ts";
import { controlDb } from "@qr3/core";
import { getWorkspace, monthlyScans, shortCodesOf, workspaceTotals } from "@qr3/db";
import { aggregate } from "../analytics/aggregate.ts";
import { presentAggregation } from "../analytics/present.ts";
import { windowOf } from "../analytics/window.ts";
import { parseScanQuery } from "./scan-query.ts";
import { notFound } from "../errors.ts";
import type { ApiRequest } from "../context.ts";
import { ok } from "../respond.ts";

/**
 * A key sees its own workspace only, by its id or as `current`; any other id is indistinguishable
 * from one that does not exist.
 */
function assertOwnWorkspace(request: ApiRequest): void {
  const id = request.params.id;
  if (id !== "current" && id !== request.auth.workspaceId) throw notFound("Workspace");
}

export async function getWorkspaceRoute(request: ApiRequest, env: Env): Promise<Response> {
  assertOwnWorkspace(request);
  const workspace = await getWorkspace(controlDb(env), request.auth.workspaceId);
  if (!workspace) throw notFound("Workspace");
  const month = new Date().toISOString().slice(0, 7);
  return ok(request, {
    id: workspace.id,
    name: workspace.name,
    plan: workspace.plan,
    retention_days: workspace.retention_days,
    created_at: workspace.created_at,
    scans_this_month: await monthlyScans(request.db, workspace.id, month),
  });
}

/** GET /v1/workspaces/:id/scans: the code aggregation over every code of the workspace, with top_codes. */
export async function workspaceScansRoute(request: ApiRequest, env: Env): Promise<Response> {
  assertOwnWorkspace(request);
  const query = parseScanQuery(request);
  const workspaceId = request.auth.workspaceId;
  const window = windowOf(query.tz, query.days, request.auth.retentionDays, Date.now());
  const [result, totals] = await Promise.all([
    aggregate(request.db, window, { scope: workspaceId, includeBots: query.include_bots }),
    workspaceTotals(request.db, workspaceId).first<{ total_scans: number; bot_scans: number }>(),
  ]);
  const topCodes = result.top.code ?? [];
  const shortCodes = await shortCodesOf(request.db, workspaceId, topCodes.map((c) => c.value));
  const { period_days, ...rest } = presentAggregation(window, result);
  return ok(request, {
    workspace_id: workspaceId,
    total_scans: totals!.total_scans + (query.include_bots ? totals!.bot_scans : 0),
    period_days,
    ...rest,
    // A code deleted within the window still counts in the totals, but is no longer listed.
    top_codes: topCodes.filter((c) => shortCodes.has(c.value)).map((c) => ({ value: c.value, short_code: shortCodeOf({ short_code: shortCodes.get(c.value)! }), count: c.count })),
  });
}
