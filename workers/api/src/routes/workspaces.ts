import { controlDb } from "@qr3/core";
import { getWorkspace, monthlyScans, workspaceTotals } from "@qr3/db";
import { scanStats } from "../analytics/answer.ts";
import { parseStatsQuery } from "../analytics/query.ts";
import { topCodes } from "../analytics/top-codes.ts";
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
  const query = parseStatsQuery(request);
  const workspaceId = request.auth.workspaceId;
  const { result, fields, along } = await scanStats(request.db, { kind: "workspace", id: workspaceId }, query, [workspaceTotals(request.db, workspaceId)]);
  const totals = along[0]!.results[0] as { total_scans: number; bot_scans: number };
  return ok(request, {
    workspace_id: workspaceId,
    total_scans: totals.total_scans + (query.includeBots ? totals.bot_scans : 0),
    ...fields,
    top_codes: await topCodes(request.db, workspaceId, result.top.code ?? []),
  });
}
