import * as z from "zod/mini";
import { AUDIT_ACTIONS, AUDIT_RESOURCES } from "./scopes.ts";
import { cursor, integerParam, Timestamp } from "./common.ts";
import { API_LIMITS } from "./limits.ts";

export const AuditQuery = z.strictObject({
  limit: integerParam(1, API_LIMITS.page_size.max, API_LIMITS.page_size.default),
  cursor,
  resource_id: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  action: z.optional(z.enum(AUDIT_ACTIONS)),
});

const changedFields = () => z.nullable(z.record(z.string(), z.unknown()));

export const AuditEntry = z
  .object({
    id: z.string(),
    created_at: Timestamp,
    action: z.enum(AUDIT_ACTIONS),
    resource_type: z.enum(Object.keys(AUDIT_RESOURCES) as [keyof typeof AUDIT_RESOURCES, ...(keyof typeof AUDIT_RESOURCES)[]]),
    resource_id: z.string(),
    api_key_id: z.string(),
    api_key_name: z.string(),
    request_id: z.string(),
    before: changedFields().register(z.globalRegistry, { description: "For an update, the changed fields as they were." }),
    after: changedFields().register(z.globalRegistry, { description: "For an update, the changed fields as they are now; for a create, the new resource." }),
  })
  .register(z.globalRegistry, { id: "AuditEntry" });
export type AuditEntry = z.output<typeof AuditEntry>;
