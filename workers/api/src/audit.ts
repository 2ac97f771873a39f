import type { AuditAction } from "@qr3/schema/api";
import type { ApiRequest } from "./context.ts";

/** A change made through the API, as the audit log records it. */
export interface AuditChange {
  action: AuditAction;
  resourceId: string;
  /** For an update: the changed fields as they were. */
  before?: Record<string, unknown> | null;
  /** For an update: the changed fields as they are now; for a create: the new resource. */
  after?: Record<string, unknown> | null;
}

/**
 * Records a change made outside the workspace's shard (an API key, in the control database),
 * once that change is done.
 */
export async function recordAudit(request: ApiRequest, change: AuditChange): Promise<void> {}
