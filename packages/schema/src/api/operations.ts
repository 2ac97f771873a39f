import * as z from "zod/mini";
import { AuditEntry, AuditQuery } from "./audit.ts";
import { CodeScanStats, ExportQuery, ScanStatsQuery, TagScanStats, WorkspaceScanStats } from "./analytics.ts";
import { API_LIMITS, FILTER_DIMENSIONS } from "./limits.ts";
import { BulkCreateCodesBody, BulkUpdateCodesBody, BulkUpdated, Code, CodeListQuery, CreateCodeBody, TagSummary, UpdateCodeBody } from "./codes.ts";
import { CreateDomainBody, Domain } from "./domains.ts";
import { QrPdfQuery, QrPngQuery, QrSvgQuery, TagQrZipQuery } from "./qr.ts";
import { QR_LOGO_LIMITS } from "../qr-style.ts";
import { Resolution, ResolveBody } from "./routing.ts";
import { envelope, ListQuery, page } from "./common.ts";
import { ApiKey, CreateKeyBody, CreatedApiKey } from "./keys.ts";
import type { Scope } from "./scopes.ts";
import { CreatedWebhook, CreateWebhookBody, Delivery, RotatedWebhook, RotateSecretBody, UpdateWebhookBody, Webhook } from "./webhooks.ts";
import { Workspace } from "./workspaces.ts";

// Every operation of the API, in one table: its method and path, the scope a key needs, what it
// reads and what it answers. The router serves exactly these (a handler per operation), the
// OpenAPI document is generated from them, and the tests check every answer against that document.

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface Success {
  status: 200 | 201 | 202 | 204;
  description: string;
  /** The JSON body; none for a 204. */
  body?: z.ZodMiniType;
  /** Other media types the operation answers with, by content type (a string body each). */
  media?: Record<string, string>;
  /** Response headers that matter, by name, with their description. */
  headers?: Record<string, string>;
  /** Answers 304 with no body to an If-None-Match naming its ETag. */
  notModified?: boolean;
}

/** The groups of operations, in the order the reference shows them. */
export const TAGS = {
  Codes: "Dynamic QR codes: the short link a printed code encodes, and where it sends people.",
  Analytics: "Where, when and on what devices codes are scanned, and the raw scans.",
  Domains: "Branded domains codes can be created on, verified by a DNS TXT record.",
  Webhooks: "Signed POSTs to your endpoint on every scan, with their delivery log.",
  Workspaces: "The workspace a key belongs to: its plan, retention and usage.",
  "API keys": "Keys with scopes, for the people and systems of a team.",
  "Audit log": "Every change made through the API, with the key that made it.",
  Meta: "This document.",
} as const;

export interface Operation {
  method: Method;
  /** itty-router style: `/v1/codes/:id`. */
  path: string;
  tag: keyof typeof TAGS;
  summary: string;
  description?: string;
  /**
   * The scope a key needs; "any" for any valid key (what it answers may still depend on the key's
   * scopes), "public" for no key at all.
   */
  scope: Scope | "any" | "public";
  query?: z.ZodMiniObject;
  /** The query parameters that may be given more than once; the router refuses any other repeated. */
  repeatable?: readonly string[];
  /** A JSON body; `optional` when an empty body reads as `{}`. */
  body?: { schema: z.ZodMiniType; optional?: boolean };
  /** A file as the raw body instead: its content types, by type, and its largest size. */
  upload?: { types: Record<string, string>; max_bytes: number };
  success: Success;
  /** Error statuses it may answer with beyond those every operation of its kind may. */
  errors?: readonly number[];
}

const QR_DESCRIPTION =
  "Encodes the code's short link (which never changes with its destination) in its stored design; any design field given as a parameter is put over it, to preview a change. Cacheable: the ETag follows the link, the design and the logo.";
const QR_HEADERS = { ETag: "Changes with the short link, the design, the logo or the size.", "content-disposition": 'inline (attachment with download=true); filename="<name or short code>.<ext>"' };

const STATS_DESCRIPTION =
  "The last `days` local dates in `tz`, today included, or the dates from `from` to `to`, with the top lists, the series at `granularity`, the scans by weekday and hour, and with `compare=previous` the window just before. Filters (repeatable: any of the values; several: all must hold) narrow every figure.";

export const OPERATIONS = {
  createCode: {
    method: "POST", path: "/v1/codes", tag: "Codes", scope: "codes:write",
    summary: "Create a code",
    description: "Claims the short code (a random one when none is given) across every workspace: a taken one is a 409, as is an external_id another code of the workspace has.",
    body: { schema: CreateCodeBody },
    success: { status: 201, description: "The new code.", body: envelope(Code) },
  },
  bulkCreateCodes: {
    method: "POST", path: "/v1/codes/bulk", tag: "Codes", scope: "codes:write",
    summary: "Create codes in bulk",
    description:
      "1 to 1,000 codes, all or nothing: should any item be invalid, or its short code or external_id taken (by another code, or by another item), the answer lists every bad item in `error.details` and no code is created.",
    body: { schema: BulkCreateCodesBody },
    success: { status: 201, description: "The new codes, in the order given.", body: envelope(z.array(Code)) },
  },
  bulkUpdateCodes: {
    method: "POST", path: "/v1/codes/bulk-update", tag: "Codes", scope: "codes:write",
    summary: "Change codes in bulk",
    description: "Up to 1,000 codes named by id (ids of no code of the workspace are skipped) or carrying a tag: a new destination or status, tags added or removed.",
    body: { schema: BulkUpdateCodesBody },
    success: { status: 200, description: "How many codes changed.", body: envelope(BulkUpdated) },
  },
  listCodes: {
    method: "GET", path: "/v1/codes", tag: "Codes", scope: "codes:read",
    summary: "List codes",
    description: "Newest first unless `sort` says otherwise; the filters given all apply. Pages follow `next_cursor`, in the same sort and filters.",
    query: CodeListQuery, repeatable: ["tag"],
    success: { status: 200, description: "A page of codes.", body: page(Code) },
  },
  listTags: {
    method: "GET", path: "/v1/tags", tag: "Codes", scope: "codes:read",
    summary: "List tags", description: "Every tag of the workspace's codes, most scanned first (ties by tag).",
    success: { status: 200, description: "The tags.", body: envelope(z.array(TagSummary)) },
  },
  getCode: {
    method: "GET", path: "/v1/codes/:id", tag: "Codes", scope: "codes:read",
    summary: "Get a code",
    success: { status: 200, description: "The code.", body: envelope(Code) },
  },
  updateCode: {
    method: "PATCH", path: "/v1/codes/:id", tag: "Codes", scope: "codes:write",
    summary: "Change a code",
    description: "Its destination, status, name, tags, external_id or redirect settings (schedule, fallback, scan cap, rules, variants, query forwarding, UTM tags). The printed QR code stays the same: scans follow the change within seconds.",
    body: { schema: UpdateCodeBody },
    success: { status: 200, description: "The code as changed.", body: envelope(Code) },
  },
  resolveCode: {
    method: "POST", path: "/v1/codes/:id/resolve", tag: "Codes", scope: "codes:read",
    summary: "Test where a scan would go",
    description:
      "Runs the code's redirect settings for a simulated scan, exactly as the redirector does, and says where it would be sent and why: a rule and its index, a variant and its index, the schedule (not_started, expired), the scan cap (capped), the code being disabled, or its own url (default). Nothing is recorded. A variant is drawn for a random visitor.",
    body: { schema: ResolveBody, optional: true },
    success: { status: 200, description: "Where the scan would go.", body: envelope(Resolution) },
  },
  deleteCode: {
    method: "DELETE", path: "/v1/codes/:id", tag: "Codes", scope: "codes:write",
    summary: "Delete a code", description: "Its short link stops working at once; its scans are deleted within minutes.",
    success: { status: 204, description: "Deleted." },
  },
  codeScans: {
    method: "GET", path: "/v1/codes/:id/scans", tag: "Analytics", scope: "analytics:read",
    summary: "A code's scan analytics",
    description: STATS_DESCRIPTION,
    query: ScanStatsQuery, repeatable: FILTER_DIMENSIONS,
    success: { status: 200, description: "The aggregation.", body: envelope(CodeScanStats) },
  },
  exportScans: {
    method: "GET", path: "/v1/codes/:id/scans/export", tag: "Analytics", scope: "analytics:read",
    summary: "Export a code's raw scans", description: "Streamed in scan order, as CSV or NDJSON.",
    query: ExportQuery,
    success: {
      status: 200, description: "The scans.",
      media: { "text/csv": "CSV with a header row; cells neutralised against formula injection.", "application/x-ndjson": "One JSON object per line." },
      headers: { "content-disposition": "attachment; filename=\"qr3-scans-<short_code>-<range>.<ext>\"" },
    },
  },
  codeQrSvg: {
    method: "GET", path: "/v1/codes/:id/qr.svg", tag: "Codes", scope: "codes:read",
    summary: "A code's QR image as SVG", description: QR_DESCRIPTION,
    query: QrSvgQuery,
    success: { status: 200, description: "The image.", media: { "image/svg+xml": "Vector; the call to action drawn as outlines." }, headers: QR_HEADERS, notModified: true },
  },
  codeQrPng: {
    method: "GET", path: "/v1/codes/:id/qr.png", tag: "Codes", scope: "codes:read",
    summary: "A code's QR image as PNG", description: `${QR_DESCRIPTION} \`size\` pixels wide (1024 by default), or \`size_mm\` at \`dpi\`.`,
    query: QrPngQuery,
    success: { status: 200, description: "The image.", media: { "image/png": "The QR code, its height following the frame." }, headers: QR_HEADERS, notModified: true },
  },
  codeQrPdf: {
    method: "GET", path: "/v1/codes/:id/qr.pdf", tag: "Codes", scope: "codes:read",
    summary: "A code's QR image as PDF", description: `${QR_DESCRIPTION} One vector page \`size_mm\` wide (50 by default), with \`bleed_mm\` of background past the trim box on every side.`,
    query: QrPdfQuery,
    success: { status: 200, description: "The document.", media: { "application/pdf": "One page, vector, no fonts." }, headers: QR_HEADERS, notModified: true },
  },
  putCodeLogo: {
    method: "PUT", path: "/v1/codes/:id/logo", tag: "Codes", scope: "codes:write",
    summary: "Set a code's logo",
    description: `The image as the body, at most ${QR_LOGO_LIMITS.bytes_max / 1024} KB, PNG, JPEG or SVG (an SVG is kept without scripts, event attributes or external references). It is centred on the QR image with error correction H; a logo that would stop the code scanning is refused.`,
    upload: {
      types: { "image/png": "A PNG.", "image/jpeg": "A JPEG.", "image/svg+xml": "An SVG, sanitised." },
      max_bytes: QR_LOGO_LIMITS.bytes_max,
    },
    success: { status: 200, description: "The code, with its logo.", body: envelope(Code) },
  },
  getCodeLogo: {
    method: "GET", path: "/v1/codes/:id/logo", tag: "Codes", scope: "codes:read",
    summary: "A code's logo", description: "The image as stored (an SVG as sanitised).",
    success: { status: 200, description: "The image.", media: { "image/png": "A PNG.", "image/jpeg": "A JPEG.", "image/svg+xml": "An SVG." } },
  },
  deleteCodeLogo: {
    method: "DELETE", path: "/v1/codes/:id/logo", tag: "Codes", scope: "codes:write",
    summary: "Remove a code's logo", description: "The design's own error correction applies again.",
    success: { status: 200, description: "The code, without a logo.", body: envelope(Code) },
  },
  tagQrZip: {
    method: "GET", path: "/v1/tags/:tag/qr.zip", tag: "Codes", scope: "codes:read",
    summary: "Every QR image of a tag, as a ZIP",
    description: `Each code carrying the tag in its stored design, named by its name (or its short code), in one \`format\`; at most ${API_LIMITS.tag_qr_zip.max} codes.`,
    query: TagQrZipQuery,
    success: {
      status: 200, description: "The archive.", media: { "application/zip": "One file per code." },
      headers: { "content-disposition": "attachment; filename=\"qr3-<tag>-<format>.zip\"" },
    },
  },
  getWorkspace: {
    method: "GET", path: "/v1/workspaces/:id", tag: "Workspaces", scope: "any",
    summary: "Get the key's workspace", description: "`current` names the key's own workspace.",
    success: { status: 200, description: "The workspace.", body: envelope(Workspace) },
  },
  workspaceScans: {
    method: "GET", path: "/v1/workspaces/:id/scans", tag: "Analytics", scope: "analytics:read",
    summary: "The workspace's scan analytics", description: `Every code's scans together, with the most scanned codes. ${STATS_DESCRIPTION}`,
    query: ScanStatsQuery, repeatable: FILTER_DIMENSIONS,
    success: { status: 200, description: "The aggregation.", body: envelope(WorkspaceScanStats) },
  },
  tagScans: {
    method: "GET", path: "/v1/tags/:tag/scans", tag: "Analytics", scope: "analytics:read",
    summary: "A campaign's scan analytics",
    description: `Every code now carrying the tag, together, with the most scanned of them; a tag no code carries is a 404. Unique counts are summed over the codes. ${STATS_DESCRIPTION}`,
    query: ScanStatsQuery, repeatable: FILTER_DIMENSIONS,
    success: { status: 200, description: "The aggregation.", body: envelope(TagScanStats) },
  },
  createDomain: {
    method: "POST", path: "/v1/domains", tag: "Domains", scope: "codes:write",
    summary: "Add a branded domain",
    description: "Pending until its TXT record is verified. Our own domain, IP addresses, localhost and names that are not DNS names are refused.",
    body: { schema: CreateDomainBody },
    success: { status: 201, description: "The domain, with the TXT record to create.", body: envelope(Domain) },
  },
  listDomains: {
    method: "GET", path: "/v1/domains", tag: "Domains", scope: "codes:read",
    summary: "List branded domains", description: "Newest first.",
    query: ListQuery,
    success: { status: 200, description: "A page of domains.", body: page(Domain) },
  },
  getDomain: {
    method: "GET", path: "/v1/domains/:id", tag: "Domains", scope: "codes:read",
    summary: "Get a branded domain",
    success: { status: 200, description: "The domain.", body: envelope(Domain) },
  },
  verifyDomain: {
    method: "POST", path: "/v1/domains/:id/verify", tag: "Domains", scope: "codes:write",
    summary: "Verify a branded domain",
    description:
      "Looks its TXT record up over DNS-over-HTTPS. A match makes it active (409 should another workspace have verified the hostname first); no match is a 422 DOMAIN_NOT_VERIFIED saying what was found; a resolver that does not answer is a 503.",
    success: { status: 200, description: "The domain, active.", body: envelope(Domain) },
    errors: [503],
  },
  deleteDomain: {
    method: "DELETE", path: "/v1/domains/:id", tag: "Domains", scope: "codes:write",
    summary: "Remove a branded domain", description: "Refused (409) while any code is on it.",
    success: { status: 204, description: "Removed." },
  },
  createWebhook: {
    method: "POST", path: "/v1/webhooks", tag: "Webhooks", scope: "webhooks:write",
    summary: "Subscribe a webhook",
    body: { schema: CreateWebhookBody },
    success: { status: 201, description: "The new subscription; its secret, when generated, shown this once.", body: envelope(CreatedWebhook) },
  },
  listWebhooks: {
    method: "GET", path: "/v1/webhooks", tag: "Webhooks", scope: "webhooks:read",
    summary: "List webhooks",
    query: ListQuery,
    success: { status: 200, description: "A page of subscriptions.", body: page(Webhook) },
  },
  getWebhook: {
    method: "GET", path: "/v1/webhooks/:id", tag: "Webhooks", scope: "webhooks:read",
    summary: "Get a webhook",
    success: { status: 200, description: "The subscription.", body: envelope(Webhook) },
  },
  updateWebhook: {
    method: "PATCH", path: "/v1/webhooks/:id", tag: "Webhooks", scope: "webhooks:write",
    summary: "Change a webhook",
    body: { schema: UpdateWebhookBody },
    success: { status: 200, description: "The subscription as changed.", body: envelope(Webhook) },
  },
  deleteWebhook: {
    method: "DELETE", path: "/v1/webhooks/:id", tag: "Webhooks", scope: "webhooks:write",
    summary: "Delete a webhook",
    success: { status: 204, description: "Deleted." },
  },
  rotateWebhookSecret: {
    method: "POST", path: "/v1/webhooks/:id/rotate-secret", tag: "Webhooks", scope: "webhooks:write",
    summary: "Rotate a webhook's signing secret", description: "The previous secret still signs for 24 hours.",
    body: { schema: RotateSecretBody, optional: true },
    success: { status: 200, description: "The subscription with its new secret, shown this once.", body: envelope(RotatedWebhook) },
  },
  testWebhook: {
    method: "POST", path: "/v1/webhooks/:id/test", tag: "Webhooks", scope: "webhooks:write",
    summary: "Send a test event",
    success: { status: 202, description: "The delivery, queued.", body: envelope(Delivery) },
  },
  listDeliveries: {
    method: "GET", path: "/v1/webhooks/:id/deliveries", tag: "Webhooks", scope: "webhooks:read",
    summary: "A webhook's delivery log", description: "Newest first, with every attempt.",
    query: ListQuery,
    success: { status: 200, description: "A page of deliveries.", body: page(Delivery) },
  },
  redeliver: {
    method: "POST", path: "/v1/webhooks/:id/deliveries/:delivery_id/redeliver", tag: "Webhooks", scope: "webhooks:write",
    summary: "Send a delivery's event again",
    success: { status: 202, description: "The new delivery, queued.", body: envelope(Delivery) },
  },
  createKey: {
    method: "POST", path: "/v1/keys", tag: "API keys", scope: "keys:write",
    summary: "Create an API key",
    description: "With some or all of the calling key's scopes, never more.",
    body: { schema: CreateKeyBody },
    success: { status: 201, description: "The new key, in data.api_key, shown this once.", body: envelope(CreatedApiKey) },
  },
  listKeys: {
    method: "GET", path: "/v1/keys", tag: "API keys", scope: "keys:write",
    summary: "List API keys", description: "The workspace's keys not revoked, expired ones included; newest first.",
    query: ListQuery,
    success: { status: 200, description: "A page of keys.", body: page(ApiKey) },
  },
  currentKey: {
    method: "GET", path: "/v1/keys/current", tag: "API keys", scope: "any",
    summary: "The calling API key", description: "Its name, scopes and expiry: what a client signed in with it may do.",
    success: { status: 200, description: "The key.", body: envelope(ApiKey) },
  },
  revokeKey: {
    method: "DELETE", path: "/v1/keys/:id", tag: "API keys", scope: "keys:write",
    summary: "Revoke an API key", description: "Refused (409) for the last key that can manage keys.",
    success: { status: 204, description: "Revoked." },
  },
  auditLog: {
    method: "GET", path: "/v1/audit-log", tag: "Audit log", scope: "any",
    summary: "The audit log",
    description:
      "Every change made through the API in the last 90 days, newest first. A key sees the entries of what it may read: codes with codes:read, webhooks with webhooks:read, keys with keys:write.",
    query: AuditQuery,
    success: { status: 200, description: "A page of entries.", body: page(AuditEntry) },
  },
  openApi: {
    method: "GET", path: "/v1/openapi.json", tag: "Meta", scope: "public",
    summary: "This document", description: "The OpenAPI 3.1 description of the API, generated from its schemas.",
    success: { status: 200, description: "The document.", media: { "application/json": "OpenAPI 3.1." } },
  },
} as const satisfies Record<string, Operation>;

export type OperationId = keyof typeof OPERATIONS;
