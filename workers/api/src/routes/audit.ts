import { auditHorizon, listAuditEntries, type AuditRow } from "@qr3/db";
import { AuditQuery, type AuditEntry } from "@qr3/schema/api";
import { readableResources } from "../audit.ts";
import type { ApiRequest } from "../context.ts";
import { okPage } from "../respond.ts";
import { parseWith } from "../validation.ts";

/** An entry as the API shows it; its values are stored as JSON text. */
function presentAuditEntry(row: AuditRow): AuditEntry {
  const values = (text: string | null) => (text === null ? null : (JSON.parse(text) as Record<string, unknown>));
  return {
    id: row.id,
    created_at: row.created_at,
    action: row.action,
    resource_type: row.resource_type,
    resource_id: row.resource_id,
    api_key_id: row.api_key_id,
    api_key_name: row.api_key_name,
    request_id: row.request_id,
    before: values(row.before),
    after: values(row.after),
  };
}

/**
 * GET /v1/audit-log: the workspace's entries of the last AUDIT_RETENTION_DAYS, newest first, of
 * the kinds of resource the key may read (an entry of any other kind is left out, as if it were
 * not there); `resource_id` and `action` narrow it. Entries past the retention are never shown,
 * whether or not the daily purge has deleted them yet.
 */
export async function auditLogRoute(request: ApiRequest, env: Env): Promise<Response> {
  const query = parseWith(AuditQuery, request.query);
  const rows = await listAuditEntries(request.db, request.auth.workspaceId, {
    resourceTypes: readableResources(request.auth.scopes),
    resourceId: query.resource_id,
    action: query.action,
    since: auditHorizon(Date.now()),
    before: query.cursor ?? null,
    limit: query.limit + 1,
  });
  return okPage(request, rows, query.limit, presentAuditEntry);
}
