// What an API key may do. Every operation needs one scope (operations.ts names it); the admin
// command's keys hold them all. Zod-free, so the dashboard may import it.
export const SCOPES = ["codes:read", "codes:write", "analytics:read", "webhooks:read", "webhooks:write", "keys:write"] as const;
export type Scope = (typeof SCOPES)[number];

/** What each scope allows, in words: the keys page and the API reference show them. */
export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  "codes:read": "List and read codes and their tags, and render their QR images",
  "codes:write": "Create, change and delete codes",
  "analytics:read": "Read scan analytics and export raw scans",
  "webhooks:read": "List webhooks and their delivery logs",
  "webhooks:write": "Create, change and delete webhooks, rotate secrets, send tests and redeliveries",
  "keys:write": "List, create and revoke API keys",
};

/** The actions of the audit log, by the kind of resource they change, with the scope needed to read them. */
export const AUDIT_RESOURCES = {
  code: { actions: ["code.created", "code.updated", "code.deleted"], readScope: "codes:read" },
  webhook: {
    actions: ["webhook.created", "webhook.updated", "webhook.deleted", "webhook.secret_rotated", "webhook.tested", "webhook.redelivered"],
    readScope: "webhooks:read",
  },
  api_key: { actions: ["api_key.created", "api_key.revoked"], readScope: "keys:write" },
  domain: { actions: ["domain.created", "domain.verified", "domain.deleted"], readScope: "codes:read" },
} as const satisfies Record<string, { actions: readonly string[]; readScope: Scope }>;

export type AuditResource = keyof typeof AUDIT_RESOURCES;
export type AuditAction = (typeof AUDIT_RESOURCES)[AuditResource]["actions"][number];
export const AUDIT_ACTIONS = Object.values(AUDIT_RESOURCES).flatMap((r) => r.actions) as AuditAction[];

/** How long the audit log keeps an entry. */
export const AUDIT_RETENTION_DAYS = 90;
/** How long an Idempotency-Key is remembered. */
export const IDEMPOTENCY_TTL_HOURS = 24;
