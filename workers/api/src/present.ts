import { splitAddress } from "@qr3/core";
import type { ApiKeyListing, AttemptRow, CodeRow, DeliveryRow, DomainRow, WebhookRow } from "@qr3/db";
import { ROUTING_DEFAULTS, type ApiKey, type Code, type CodeLogo, type Delivery, type Domain, type Webhook } from "@qr3/schema/api";
import { DEFAULT_QR_STYLE, type QrStyle } from "@qr3/schema/qr-style";
import { storedScopes } from "./scopes.ts";

// Rows as the API shows them: each presenter produces a value of its contract type
// (packages/schema/src/api), which the OpenAPI document describes.

/**
 * The printed link of a code: what its QR code encodes. On a branded domain, always https (the
 * domain is served through Cloudflare for SaaS, with its certificate).
 */
export function shortUrl(code: Pick<CodeRow, "short_code">, publicBaseUrl: string): string {
  const { domain } = splitAddress(code.short_code);
  return domain === null ? `${publicBaseUrl.replace(/\/+$/, "")}/${code.short_code}` : `https://${code.short_code}`;
}

/** The short code of a code, without its domain. */
export const shortCodeOf = (code: Pick<CodeRow, "short_code">) => splitAddress(code.short_code).short_code;

/** A code's QR design, whole: the default when none is stored. */
export const designOf = (code: Pick<CodeRow, "qr_style">): QrStyle => (code.qr_style === null ? { ...DEFAULT_QR_STYLE } : (JSON.parse(code.qr_style) as QrStyle));

/** A code's logo's facts, or null. */
export const logoOf = (code: Pick<CodeRow, "logo">): CodeLogo | null => (code.logo === null ? null : (JSON.parse(code.logo) as CodeLogo));

export function presentCode(code: CodeRow, publicBaseUrl: string): Code {
  const { domain, short_code } = splitAddress(code.short_code);
  return {
    id: code.id,
    short_code,
    short_url: shortUrl(code, publicBaseUrl),
    domain,
    url: code.url,
    status: code.status,
    name: code.name,
    tags: JSON.parse(code.tags) as string[],
    external_id: code.external_id,
    ...ROUTING_DEFAULTS,
    rules: [],
    variants: [],
    ...(code.routing === null ? {} : (JSON.parse(code.routing) as Partial<Code>)),
    qr_style: designOf(code),
    logo: logoOf(code),
    scan_cap_reached_at: code.capped_at,
    total_scans: code.total_scans,
    created_at: code.created_at,
    updated_at: code.updated_at,
  };
}

/** The TXT record that proves a workspace owns a hostname. */
export function domainVerification(domain: Pick<DomainRow, "hostname" | "verification_token">): Domain["verification"] {
  return { type: "TXT", name: `_qr3-verify.${domain.hostname}`, value: `qr3-verify=${domain.verification_token}` };
}

export function presentDomain(domain: DomainRow): Domain {
  return {
    id: domain.id,
    hostname: domain.hostname,
    status: domain.status,
    verification: domainVerification(domain),
    verified_at: domain.verified_at,
    created_at: domain.created_at,
  };
}

/** Neither the key nor its hash ever appears here. */
export function presentApiKey(key: ApiKeyListing): ApiKey {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: storedScopes(key.scopes),
    created_at: key.created_at,
    last_used_at: key.last_used_at,
    expires_at: key.expires_at,
  };
}

/** The secret never appears here. */
export function presentWebhook(webhook: WebhookRow): Webhook {
  return {
    id: webhook.id,
    url: webhook.url,
    events: JSON.parse(webhook.events) as string[],
    status: webhook.status,
    disabled_reason: webhook.disabled_reason,
    created_at: webhook.created_at,
    updated_at: webhook.updated_at,
  };
}

/** A delivery of the log: its final or current state, its last attempt, and every attempt. */
export function presentDelivery(delivery: DeliveryRow & { attempt_log: AttemptRow[] }): Delivery {
  return {
    id: delivery.id,
    event_id: delivery.event_id,
    event_type: delivery.event_type,
    state: delivery.state,
    attempt_count: delivery.attempts,
    response_status: delivery.last_status,
    error: delivery.last_error,
    duration_ms: delivery.last_duration_ms,
    next_attempt_at: delivery.next_attempt_at,
    redelivery_of: delivery.redelivery_of,
    created_at: delivery.created_at,
    updated_at: delivery.updated_at,
    attempts: delivery.attempt_log.map((a) => ({
      attempt: a.attempt,
      response_status: a.status,
      error: a.error,
      duration_ms: a.duration_ms,
      started_at: a.started_at,
    })),
  };
}
