import { getWorkspace, monthlyScans } from "@qr3/db";
import { notFound } from "../errors.ts";
import type { ApiRequest } from "../context.ts";
import { ok } from "../respond.ts";

export async function getWorkspaceRoute(request: ApiRequest, env: Env): Promise<Response> {
  // A key sees its own workspace only; any other id is indistinguishable from one that does not exist.
  if (request.params.id !== request.auth.workspaceId) throw notFound("Workspace");
  const workspace = await getWorkspace(env.DB, request.auth.workspaceId);
  if (!workspace) throw notFound("Workspace");
  const month = new Date().toISOString().slice(0, 7);
  return ok(request, {
    id: workspace.id,
    name: workspace.name,
    plan: workspace.plan,
    retention_days: workspace.retention_days,
    created_at: workspace.created_at,
    scans_this_month: await monthlyScans(env.DB, workspace.id, month),
  });
}
