import { newId } from "@qr3/core";
import { FOLD_AT, foldScans, stageScanEvents, storeScans, type OutboxGroup } from "@qr3/db";
import { ScanMessageSchema, scansOf, type ScanRow } from "@qr3/schema";
import { enqueueDispatch } from "@qr3/webhooks";
import { SCANS_BATCH_SIZE } from "./queues.ts";
import { retryDelaySeconds } from "./retry.ts";
import { toScanRow } from "./scan-row.ts";

interface Valid {
  message: Message<unknown>;
  row: ScanRow;
}

/** The batch's qr.scanned events, one outbox group per workspace. */
function outboxGroups(valid: readonly Valid[]): OutboxGroup[] {
  const groups = new Map<string, OutboxGroup>();
  for (const { row } of valid) {
    const group = groups.get(row.workspace_id) ?? { id: newId("obx"), workspace_id: row.workspace_id, scan_ids: [] };
    group.scan_ids.push(row.id);
    groups.set(row.workspace_id, group);
  }
  return [...groups.values()];
}

/**
 * The valid scans of each message, as rows: a message is a pack of scans (or, from before
 * packing, one scan), and each scan is validated on its own, so an invalid one is logged and
 * dropped without sinking its siblings. A message with nothing valid in it is acked: it could
 * never succeed.
 */
function validScans(batch: MessageBatch<unknown>): { valid: Valid[]; holding: Array<Message<unknown>> } {
  const valid: Valid[] = [];
  const holding: Array<Message<unknown>> = [];
  for (const message of batch.messages) {
    const scans = scansOf(message.body);
    let kept = 0;
    for (const [index, scan] of (scans ?? [message.body]).entries()) {
      const parsed = scans === null ? null : ScanMessageSchema.safeParse(scan);
      if (parsed?.success) {
        valid.push({ message, row: toScanRow(parsed.data) });
        kept++;
        continue;
      }
      // Field paths and issue codes only: a body of unknown origin may hold anything.
      const issues = parsed ? parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.code}`) : ["(body): not a scan pack"];
      console.error(JSON.stringify({ event: "scan_message_invalid", message_id: message.id, index, issues }));
    }
    if (kept > 0) holding.push(message);
    else message.ack();
  }
  return { valid, holding };
}

/**
 * Stores the valid scans of the batch, their counters and the webhook events that announce them,
 * in one D1 batch. Nothing is acked before it is stored: a failed write retries every message
 * that holds a valid scan, with backoff (a redelivered scan is stored and counted once).
 *
 * Once the batch is acked, the staged events go on to the dispatch step and the summaries are
 * folded in when enough scans wait (both within the invocation, through waitUntil); every read
 * folds whatever still waits first.
 */
export async function consumeScans(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  const { valid, holding } = validScans(batch);
  if (valid.length === 0) return;

  let staged: string[];
  let waiting: number;
  try {
    const stage = stageScanEvents(env.DB, outboxGroups(valid), new Date().toISOString());
    const stored = await storeScans<{ id: string }>(env.DB, valid.map((v) => v.row), [stage]);
    staged = stored.after[0]!.results.map((r) => r.id);
    waiting = stored.waiting;
  } catch (err) {
    console.error(JSON.stringify({ event: "scan_store_failed", messages: holding.length, scans: valid.length, error: String(err) }));
    for (const message of holding) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    return;
  }
  for (const message of holding) message.ack();

  // What follows needs no answer before the batch is acked, and each part is retried elsewhere.
  const full = batch.messages.length >= SCANS_BATCH_SIZE;
  ctx.waitUntil(Promise.all([dispatch(env, staged), fold(env, waiting, full)]));
}

/** Sends the staged events on to the dispatch step; should this fail, the cron's sweep sends them. */
async function dispatch(env: Env, staged: string[]): Promise<void> {
  if (staged.length === 0) return;
  try {
    await enqueueDispatch(env.WEBHOOKS, staged);
  } catch (err) {
    console.error(JSON.stringify({ event: "dispatch_enqueue_failed", outbox_rows: staged.length, error: String(err) }));
  }
}

/**
 * Folds the waiting scans into the summaries once enough wait, or whenever the batch was not full
 * (the queue has caught up). Should this fail, the next batch, read or cron folds them.
 */
async function fold(env: Env, waiting: number, full: boolean): Promise<void> {
  if (waiting < FOLD_AT && (waiting === 0 || full)) return;
  try {
    await foldScans(env.DB);
  } catch (err) {
    console.error(JSON.stringify({ event: "summary_fold_failed", waiting, error: String(err) }));
  }
}
