import { newId } from "@qr3/core";
import { MAX_WEBHOOKS_PER_WORKSPACE } from "@qr3/schema";
import { deleteWebhook, getWebhook, insertDelivery, insertWebhook, listWebhooks, rotateWebhookSecret, updateWebhook, type WebhookRow } from "@qr3/db";
import { generateSecret, loadKeyring, sealSecret, signingKey, testEvent, webhookUrlProblem } from "@qr3/webhooks";
import { auditFacts } from "../audit.ts";
import { ApiError, badRequest, notFound } from "../errors.ts";
import type { ApiRequest } from "../context.ts";
import { enqueueNewDelivery } from "../deliveries.ts";
import { presentDelivery, presentWebhook } from "../present.ts";
import { noContent, ok, okPage } from "../respond.ts";
import { CreateWebhookBody, ListQuery, RotateSecretBody, UpdateWebhookBody } from "@qr3/schema/api";
import { parseBody, parseWith } from "../validation.ts";

const PREVIOUS_SECRET_GRACE_MS = 24 * 3600 * 1000;

function checkUrl(url: string, env: Env): string {
  const problem = webhookUrlProblem(url, { allowLoopback: env.WEBHOOK_ALLOW_LOOPBACK === "true" });
  if (problem) throw badRequest("url", problem);
  return url;
}

function checkSecret(secret: string | undefined): string | undefined {
  if (secret !== undefined && signingKey(secret) === null) throw badRequest("secret", 'must be "whsec_" followed by base64');
  return secret;
}

const encodeEvents = (events: readonly string[]) => JSON.stringify([...new Set(events)]);

export async function findWebhook(request: ApiRequest, env: Env): Promise<WebhookRow> {
  const webhook = await getWebhook(request.db, request.auth.workspaceId, request.params.id!);
  if (!webhook) throw notFound("Webhook");
  return webhook;
}

export async function createWebhookRoute(request: ApiRequest, env: Env): Promise<Response> {
  const body = await parseBody(request, CreateWebhookBody);
  const url = checkUrl(body.url, env);
  const given = checkSecret(body.secret);
  // Without a usable key this throws: a plain 500, logged, and nothing written.
  const keyring = await loadKeyring(env.WEBHOOK_SECRETS_KEYS);
  const id = newId("wh");
  const secret = given ?? generateSecret();
  const row = {
    id,
    workspace_id: request.auth.workspaceId,
    url,
    events: encodeEvents(body.events),
    secret: await sealSecret(keyring, id, secret),
    created_at: new Date().toISOString(),
  };
  // The entry shows the subscription as presented: never its secret.
  const created = presentWebhook({
    ...row,
    status: "enabled",
    disabled_reason: null,
    previous_secret: null,
    previous_secret_expires_at: null,
    failing_since: null,
    updated_at: row.created_at,
  });
  const webhook = await insertWebhook(request.db, row, MAX_WEBHOOKS_PER_WORKSPACE, { ...auditFacts(request, "webhook.created", id), after: created });
  if (!webhook) throw new ApiError("CONFLICT", `webhooks: a workspace can have at most ${MAX_WEBHOOKS_PER_WORKSPACE}`);
  // A generated secret is shown once, here; a secret the caller chose is never echoed.
  return ok(request, { ...presentWebhook(webhook), ...(given ? {} : { secret }) }, 201);
}

export async function listWebhooksRoute(request: ApiRequest, env: Env): Promise<Response> {
  const query = parseWith(ListQuery, request.query);
  const rows = await listWebhooks(request.db, request.auth.workspaceId, query.limit + 1, query.cursor ?? null);
  return okPage(request, rows, query.limit, presentWebhook);
}

export async function getWebhookRoute(request: ApiRequest, env: Env): Promise<Response> {
  return ok(request, presentWebhook(await findWebhook(request, env)));
}

export async function updateWebhookRoute(request: ApiRequest, env: Env): Promise<Response> {
  const body = await parseBody(request, UpdateWebhookBody);
  if (body.url === undefined && body.events === undefined && body.status === undefined) {
    throw badRequest("body", "must contain url, events or status");
  }
  const id = request.params.id!;
  const webhook = await updateWebhook(
    request.db,
    request.auth.workspaceId,
    id,
    { url: body.url === undefined ? undefined : checkUrl(body.url, env), events: body.events && encodeEvents(body.events), status: body.status },
    new Date().toISOString(),
    auditFacts(request, "webhook.updated", id),
  );
  if (!webhook) throw notFound("Webhook");
  return ok(request, presentWebhook(webhook));
}

export async function deleteWebhookRoute(request: ApiRequest, env: Env): Promise<Response> {
  const id = request.params.id!;
  if (!(await deleteWebhook(request.db, request.auth.workspaceId, id, auditFacts(request, "webhook.deleted", id)))) throw notFound("Webhook");
  return noContent();
}

export async function rotateSecretRoute(request: ApiRequest, env: Env): Promise<Response> {
  const body = await parseBody(request, RotateSecretBody, { optional: true });
  const { id } = await findWebhook(request, env);
  const secret = checkSecret(body.secret) ?? generateSecret();
  const sealed = await sealSecret(await loadKeyring(env.WEBHOOK_SECRETS_KEYS), id, secret);
  const now = Date.now();
  const previousExpiresAt = new Date(now + PREVIOUS_SECRET_GRACE_MS).toISOString();
  // The current secret moves to previous_secret as stored: sealed for this same webhook, it still
  // opens. The entry says until when the previous one signs, never what either secret is.
  const webhook = await rotateWebhookSecret(request.db, request.auth.workspaceId, id, sealed, previousExpiresAt, new Date(now).toISOString(), {
    ...auditFacts(request, "webhook.secret_rotated", id),
    after: { previous_secret_expires_at: previousExpiresAt },
  });
  if (!webhook) throw notFound("Webhook");
  return ok(request, {
    ...presentWebhook(webhook),
    secret,
    previous_secret_expires_at: webhook.previous_secret_expires_at,
  });
}

/**
 * Why no delivery was stored (the insert checks the webhook itself): it was deleted (404) or is
 * disabled (409), whether it already was when read or became so since.
 */
export async function deliveryRefused(request: ApiRequest, env: Env, action: string): Promise<ApiError> {
  const webhook = await getWebhook(request.db, request.auth.workspaceId, request.params.id!);
  return webhook ? new ApiError("CONFLICT", `webhook: is disabled; enable it before ${action}`) : notFound("Webhook");
}

export async function testWebhookRoute(request: ApiRequest, env: Env): Promise<Response> {
  const webhook = await findWebhook(request, env);
  const now = new Date().toISOString();
  const eventId = newId("evt");
  const row = {
    id: newId("dlv"),
    webhook_id: webhook.id,
    workspace_id: webhook.workspace_id,
    event_id: eventId,
    event_type: "webhook.test",
    payload: JSON.stringify(testEvent(eventId, webhook.id, now)),
    redelivery_of: null,
    created_at: now,
  };
  const delivery = await insertDelivery(request.db, row, {
    ...auditFacts(request, "webhook.tested", webhook.id),
    after: { delivery_id: row.id, event_id: row.event_id, event_type: row.event_type },
  });
  if (!delivery) throw await deliveryRefused(request, env, "sending a test event");
  await enqueueNewDelivery(env, request.auth.shard, delivery);
  return ok(request, presentDelivery({ ...delivery, attempt_log: [] }), 202);
}
