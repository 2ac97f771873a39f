import { newId } from "@qr3/core";
import { getDelivery, insertDelivery, listDeliveries } from "@qr3/db";
import { auditFacts } from "../audit.ts";
import { notFound } from "../errors.ts";
import type { ApiRequest } from "../context.ts";
import { enqueueNewDelivery } from "../deliveries.ts";
import { presentDelivery } from "../present.ts";
import { ok, okPage } from "../respond.ts";
import { ListQuery } from "@qr3/schema/api";
import { parseWith } from "../validation.ts";
import { deliveryRefused, findWebhook } from "./webhooks.ts";

/** GET /v1/webhooks/:id/deliveries: the delivery log, newest first, with every attempt. */
export async function listDeliveriesRoute(request: ApiRequest, env: Env): Promise<Response> {
  const query = parseWith(ListQuery, request.query);
  const webhook = await findWebhook(request, env);
  const rows = await listDeliveries(request.db, webhook.workspace_id, webhook.id, query.limit + 1, query.cursor ?? null);
  return okPage(request, rows, query.limit, presentDelivery);
}

/** POST /v1/webhooks/:id/deliveries/:delivery_id/redeliver: the same event again, as a new delivery. */
export async function redeliverRoute(request: ApiRequest, env: Env): Promise<Response> {
  const webhook = await findWebhook(request, env);
  const original = await getDelivery(request.db, webhook.workspace_id, webhook.id, request.params.delivery_id!);
  if (!original) throw notFound("Delivery");
  const row = {
    id: newId("dlv"),
    webhook_id: webhook.id,
    workspace_id: webhook.workspace_id,
    event_id: original.event_id,
    event_type: original.event_type,
    payload: original.payload,
    redelivery_of: original.redelivery_of ?? original.id,
    created_at: new Date().toISOString(),
  };
  // Recorded against the webhook (its log is where a redelivery shows), naming both deliveries.
  const delivery = await insertDelivery(request.db, row, {
    ...auditFacts(request, "webhook.redelivered", webhook.id),
    after: { delivery_id: row.id, redelivery_of: row.redelivery_of, event_id: row.event_id, event_type: row.event_type },
  });
  if (!delivery) throw await deliveryRefused(request, env, "redelivering");
  await enqueueNewDelivery(env, request.auth.shard, delivery);
  return ok(request, presentDelivery({ ...delivery, attempt_log: [] }), 202);
}
