import { newId } from "@qr3/core";
import { auditEntry, type AuditFacts } from "@qr3/db";
import { AUDIT_RESOURCES, type AuditAction, type AuditResource } from "@qr3/schema/api";
import type { ApiRequest } from "./context.ts";
import { retried } from "./retry.ts";

/** A change made through the API, as the audit log records it. */
export interface AuditChange {
  action: AuditAction;
  resourceId: string;
  /** For an update: the changed fields as they were. */
  before?: Record<string, unknown> | null;
  /** For an update: the changed fields as they are now; for a create: the new resource. */
  after?: Record<string, unknown> | null;
}

const RESOURCE_OF = new Map<AuditAction, AuditResource>(
  (Object.entries(AUDIT_RESOURCES) as Array<[AuditResource, { actions: readonly AuditAction[] }]>).flatMap(([resource, { actions }]) =>
    actions.map((action) => [action, resource] as const),
  ),
);

/**
 * Who makes this request's change, when, and to what: an entry's columns but its values. The
 * shard's db functions take it and write the entry in the change's own transaction.
 */
export function auditFacts(request: ApiRequest, action: AuditAction, resourceId: string): AuditFacts {
  const now = Date.now();
  return {
    id: newId("aud", now),
    workspace_id: request.auth.workspaceId,
    created_at: new Date(now).toISOString(),
    action,
    resource_type: RESOURCE_OF.get(action)!,
    resource_id: resourceId,
    api_key_id: request.auth.keyId,
    api_key_name: request.auth.keyName,
    request_id: request.requestId,
  };
}

/**
 * Records a change made outside the workspace's shard (an API key, in the control database),
 * once that change is done. The entry goes to the workspace's shard, where the log is read: no
 * transaction spans the two databases, so it is written right after the change, and a failed
 * write is tried again (an entry is written once however often it is tried). Should it still
 * fail, the error reaches the caller: the request answers 500 rather than leave the change
 * unrecorded without a word.
 */
export async function recordAudit(request: ApiRequest, change: AuditChange): Promise<void> {
  const entry = auditEntry(request.db, { ...auditFacts(request, change.action, change.resourceId), before: change.before, after: change.after });
  await retried(() => entry.run());
}

/** The kinds of entry a key with these scopes may read: those whose resources it may read. */
export function readableResources(scopes: readonly string[]): AuditResource[] {
  return (Object.keys(AUDIT_RESOURCES) as AuditResource[]).filter((resource) => scopes.includes(AUDIT_RESOURCES[resource].readScope));
}
