import { fanOutScanEvents, insertScans, type ScanEventRow } from "@qr3/db";
import { ScanMessageSchema, type ScanRow } from "@qr3/schema";
import { enqueueDeliveries, scanEvent } from "@qr3/webhooks";
import { retryDelaySeconds } from "./retry.ts";
import { toScanRow } from "./scan-row.ts";

interface Valid {
  message: Message<unknown>;
  row: ScanRow;
  event: ScanEventRow;
}

/**
 * Validates each message on its own, then stores the valid ones, and the webhook deliveries that
 * announce them, in one D1 batch. Nothing is acked before it is stored: a failed write retries
 * every valid message with backoff, while an invalid message (it could never succeed) is logged
 * and acked so it cannot hold up its batch-mates.
 */
export async function consumeScans(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const valid: Valid[] = [];
  for (const message of batch.messages) {
    const parsed = ScanMessageSchema.safeParse(message.body);
    if (parsed.success) {
      const row = toScanRow(parsed.data);
      const event = scanEvent({ ...row, scan_id: row.id, short_code: parsed.data.short_code });
      valid.push({ message, row, event: { workspace_id: row.workspace_id, code_id: row.code_id, event_id: event.id, payload: JSON.stringify(event) } });
    } else {
      // Field paths and issue codes only: a body of unknown origin may hold anything.
      const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.code}`);
      console.error(JSON.stringify({ event: "scan_message_invalid", message_id: message.id, issues }));
      message.ack();
    }
  }
  if (valid.length === 0) return;

  let deliveries: Array<{ id: string; webhook_id: string }>;
  try {
    const [, fannedOut] = await env.DB.batch<{ id: string; webhook_id: string }>([
      insertScans(env.DB, valid.map((v) => v.row)),
      fanOutScanEvents(env.DB, valid.map((v) => v.event), new Date().toISOString()),
    ]);
    deliveries = fannedOut!.results;
  } catch (err) {
    console.error(JSON.stringify({ event: "scan_store_failed", messages: valid.length, error: String(err) }));
    for (const { message } of valid) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    return;
  }
  for (const { message } of valid) message.ack();

  // The deliveries are stored; should this send fail, the cron's sweep enqueues them later.
  try {
    await enqueueDeliveries(env.WEBHOOKS, deliveries.map((d) => ({ ...d, attempt: 1 })));
  } catch (err) {
    console.error(JSON.stringify({ event: "delivery_enqueue_failed", deliveries: deliveries.length, error: String(err) }));
  }
}
