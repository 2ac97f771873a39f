import { insertScans } from "@qr3/db";
import { ScanMessageSchema, type ScanRow } from "@qr3/schema";
import { retryDelaySeconds } from "./retry.ts";
import { toScanRow } from "./scan-row.ts";

interface Valid {
  message: Message<unknown>;
  row: ScanRow;
}

/**
 * Validates each message on its own, then stores the valid ones in one D1 batch. Nothing is acked
 * before it is stored: a failed write retries every valid message with backoff, while an invalid
 * message (it could never succeed) is logged and acked so it cannot hold up its batch-mates.
 */
export async function consumeScans(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const valid: Valid[] = [];
  for (const message of batch.messages) {
    const parsed = ScanMessageSchema.safeParse(message.body);
    if (parsed.success) {
      valid.push({ message, row: toScanRow(parsed.data) });
    } else {
      // Field paths and issue codes only: a body of unknown origin may hold anything.
      const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.code}`);
      console.error(JSON.stringify({ event: "scan_message_invalid", message_id: message.id, issues }));
      message.ack();
    }
  }
  if (valid.length === 0) return;

  try {
    await env.DB.batch([insertScans(env.DB, valid.map((v) => v.row))]);
  } catch (err) {
    console.error(JSON.stringify({ event: "scan_store_failed", messages: valid.length, error: String(err) }));
    for (const { message } of valid) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    return;
  }
  for (const { message } of valid) message.ack();
}
