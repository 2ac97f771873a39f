import { codeEventId, CodeEvents, stageCodeEvents } from "@qr3/db";
import { MAX_LINK_SYNC_ADDRESSES, type LinkSyncMessage } from "@qr3/schema";
import type { CodeEventType } from "@qr3/schema/webhook-facts";
import { enqueueDeliveries } from "@qr3/webhooks";
import type { ApiRequest } from "./context.ts";

// What a change to codes sends after it is made: its webhook events (staged in the change's own
// transaction, see @qr3/db stageCodeEvents) to the webhooks queue, and for changes in bulk the KV
// records to write to the maintenance queue. Both are safe to lose: the ingest cron's sweeps
// enqueue deliveries left pending and rewrite KV records left marked, within minutes.

/** The events of a change to these codes, one per code, each named after the code's audit entry. */
export function codeEvents(request: ApiRequest, env: Env, type: CodeEventType, changes: ReadonlyArray<{ code_id: string; audit_id: string }>): CodeEvents {
  const events = changes.map((c) => ({ event_id: codeEventId(c.audit_id), code_id: c.code_id, audit_id: c.audit_id }));
  return new CodeEvents(stageCodeEvents(request.db, type, request.auth.workspaceId, events, new Date().toISOString(), env.PUBLIC_BASE_URL));
}

/** Hands the change's deliveries to the webhooks queue (see the top of this file). */
export async function sendCodeEvents(request: ApiRequest, env: Env, events: CodeEvents): Promise<void> {
  if (events.deliveries.length === 0) return;
  try {
    await enqueueDeliveries(env.WEBHOOKS, request.auth.shard, events.deliveries.map((d) => ({ ...d, attempt: 1 })));
  } catch (err) {
    console.error(JSON.stringify({ event: "delivery_enqueue_failed", deliveries: events.deliveries.length, error: String(err) }));
  }
}

/** Asks the ingest worker to write these addresses' KV records (see the top of this file). */
export async function requestLinkSyncs(request: ApiRequest, env: Env, addresses: readonly string[]): Promise<void> {
  const messages: MessageSendRequest<LinkSyncMessage>[] = [];
  for (let i = 0; i < addresses.length; i += MAX_LINK_SYNC_ADDRESSES) {
    messages.push({ body: { kind: "sync_links", shard: request.auth.shard, addresses: addresses.slice(i, i + MAX_LINK_SYNC_ADDRESSES) }, contentType: "json" });
  }
  try {
    for (let i = 0; i < messages.length; i += 100) await env.MAINTENANCE.sendBatch(messages.slice(i, i + 100));
  } catch (err) {
    console.error(JSON.stringify({ event: "link_sync_enqueue_failed", addresses: addresses.length, error: String(err) }));
  }
}
