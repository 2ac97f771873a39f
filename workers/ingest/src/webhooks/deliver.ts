import {
  failDelivery,
  loadDeliveriesToSend,
  recordAttempt,
  updateWebhookHealth,
  type AttemptOutcome,
  type DeliveryToSend,
  type DisabledReason,
} from "@qr3/db";
import type { DeliverMessage } from "@qr3/schema";
import { delayBeforeAttempt, DISABLE_AFTER_FAILING_MS, enqueueDeliveries, loadKeyring, webhookUrlProblem, type DeliveryToEnqueue } from "@qr3/webhooks";
import { sendEvent, type SendResult } from "./send.ts";
import { signingSecrets } from "./signing-secrets.ts";

interface Sent {
  delivery: DeliveryToSend;
  attempt: number;
  started_at: string;
  result: SendResult;
}

/** How an endpoint stands after this round of attempts: still failing since when, and whether it must stop. */
function endpointHealth(sent: readonly Sent[], failingSince: string | null, now: number) {
  if (sent.some((s) => s.result.ok)) return { failing_since: null, disabled_reason: null };
  const since = failingSince ?? sent[0]!.started_at;
  let disabled_reason: DisabledReason | null = null;
  if (sent.some((s) => s.result.status === 410)) disabled_reason = "endpoint_gone";
  else if (now - Date.parse(since) >= DISABLE_AFTER_FAILING_MS) disabled_reason = "failing";
  return { failing_since: since, disabled_reason };
}

function outcome(s: Sent, disabled: boolean, now: number): { attempt: AttemptOutcome; retry: DeliveryToEnqueue | null } {
  const base = { delivery_id: s.delivery.id, attempt: s.attempt, status: s.result.status, error: s.result.error, duration_ms: s.result.duration_ms, started_at: s.started_at };
  if (s.result.ok) return { attempt: { ...base, state: "succeeded", next_attempt_at: null }, retry: null };
  const delay = delayBeforeAttempt(s.attempt + 1);
  if (disabled || delay === null) return { attempt: { ...base, state: "failed", next_attempt_at: null }, retry: null };
  return {
    attempt: { ...base, state: "pending", next_attempt_at: new Date(now + delay * 1000).toISOString() },
    retry: { id: s.delivery.id, webhook_id: s.delivery.webhook_id, attempt: s.attempt + 1, delaySeconds: delay },
  };
}

/**
 * Makes the attempts a queue message asks for, in shard `db`. Deliveries already final, or whose asked-for
 * attempt was already made (a duplicate message), are skipped. Every attempt is logged and the
 * next one scheduled in one D1 batch; only then are the retries enqueued.
 */
export async function deliverMessage(env: Env, db: D1Database, shard: number, message: DeliverMessage, now: number): Promise<void> {
  const asked = new Map(message.deliveries.map((d) => [d.id, d.attempt]));
  const due = (await loadDeliveriesToSend(db, [...asked.keys()])).filter(
    (d) => d.state === "pending" && d.attempts < asked.get(d.id)!,
  );
  if (due.length === 0) return;

  const nowIso = new Date(now).toISOString();
  const policy = { allowLoopback: env.WEBHOOK_ALLOW_LOOPBACK === "true" };
  // Without a usable key this throws before anything is recorded: the message is retried.
  const secretsOf = signingSecrets(await loadKeyring(env.WEBHOOK_SECRETS_KEYS), now);
  const statements: D1PreparedStatement[] = [];
  const sendable: Array<{ delivery: DeliveryToSend; secrets: string[] }> = [];
  for (const d of due) {
    const problem = d.webhook_status !== "enabled" ? "endpoint disabled" : webhookUrlProblem(d.url, policy);
    const secrets = problem ? null : await secretsOf(d);
    if (problem) statements.push(failDelivery(db, d.id, problem === "endpoint disabled" ? problem : `endpoint URL refused: ${problem}`, nowIso));
    else if (!secrets) statements.push(failDelivery(db, d.id, "signing secret unreadable", nowIso));
    else sendable.push({ delivery: d, secrets });
  }

  const sent: Sent[] = await Promise.all(
    sendable.map(async ({ delivery, secrets }) => {
      const started_at = new Date().toISOString();
      const result = await sendEvent(delivery.url, secrets, delivery.event_id, delivery.payload, now);
      return { delivery, attempt: delivery.attempts + 1, started_at, result };
    }),
  );

  const retries: DeliveryToEnqueue[] = [];
  const byWebhook = Map.groupBy(sent, (s) => s.delivery.webhook_id);
  for (const [webhookId, group] of byWebhook) {
    const before = group[0]!.delivery.failing_since;
    const health = endpointHealth(group, before, now);
    if (health.failing_since !== before || health.disabled_reason) {
      statements.push(updateWebhookHealth(db, webhookId, health, nowIso));
    }
    for (const s of group) {
      const { attempt, retry } = outcome(s, health.disabled_reason !== null, now);
      statements.push(...recordAttempt(db, attempt, nowIso));
      if (retry) retries.push(retry);
    }
  }
  if (statements.length > 0) await db.batch(statements);
  // Logged and scheduled in D1 first: should this send fail, the sweep re-enqueues them.
  if (retries.length > 0) await enqueueDeliveries(env.WEBHOOKS, shard, retries);
}
