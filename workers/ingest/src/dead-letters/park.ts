import { controlDb } from "@qr3/core";
import { parkDeadLetters as parkRows, type DeadLetter } from "@qr3/db";
import { ScanMessageSchema, scansOf, WebhookQueueMessageSchema } from "@qr3/schema";
import { QUEUES } from "../queues.ts";
import { retryDelaySeconds } from "../retry.ts";
import { storeBody } from "./body.ts";
import { DEAD_LETTER_QUEUES, type DeadLetterQueue, type ReplayQueue } from "./queues.ts";

/** Issues of a body against its queue's schema: a scans message is a pack, each scan checked. */
function issuesOf(queue: ReplayQueue, body: unknown): string[] {
  const describe = (issues: ReadonlyArray<{ path: PropertyKey[]; code: string }>, prefix = "") =>
    issues.map((i) => `${prefix}${i.path.join(".") || "(body)"}: ${i.code}`);
  if (queue === QUEUES.webhooks) {
    const parsed = WebhookQueueMessageSchema.safeParse(body);
    return parsed.success ? [] : describe(parsed.error.issues);
  }
  const scans = scansOf(body);
  if (scans === null) return ["(body): not a scan pack"];
  return scans.flatMap((scan, i) => {
    const parsed = ScanMessageSchema.safeParse(scan);
    return parsed.success ? [] : describe(parsed.error.issues, body === scan ? "" : `scans.${i}.`);
  });
}

/**
 * What is known of why a message could never succeed: its body does not fit its queue's schema,
 * or it could not be kept exactly. Otherwise null: the consumer that gave up logged its error.
 */
function reasonFor(queue: ReplayQueue, body: unknown, note: string | undefined): string | null {
  const reasons = note ? [note] : [];
  try {
    // Field paths and issue codes only, as the consumers log them.
    const issues = issuesOf(queue, body);
    if (issues.length) reasons.push(`not a valid ${queue} message (${issues.join(", ")})`);
  } catch {
    reasons.push(`not checked against the ${queue} message schema`);
  }
  return reasons.length ? reasons.join("; ") : null;
}

function toDeadLetter(queue: ReplayQueue, message: Message<unknown>, parkedAt: string): DeadLetter {
  const { body, format, note } = storeBody(message.body);
  return { queue, message_id: message.id, body, format, attempts: message.attempts, reason: reasonFor(queue, message.body, note), parked_at: parkedAt };
}

/**
 * Parks each message of a dead-letter queue in the control database (a pack may hold scans of
 * several shards), whatever its body (a malformed one too, with the reason), until an operator
 * replays it. Nothing is acked before it is stored: should D1 fail, the whole batch is retried
 * with backoff (max_retries of the dead-letter consumers).
 */
export async function parkDeadLetters(batch: MessageBatch<unknown>, env: Env, queue: DeadLetterQueue): Promise<void> {
  const parkedAt = new Date().toISOString();
  const letters = batch.messages.map((m) => toDeadLetter(DEAD_LETTER_QUEUES[queue], m, parkedAt));
  try {
    await parkRows(controlDb(env), letters);
  } catch (err) {
    console.error(JSON.stringify({ event: "dead_letter_park_failed", queue, messages: letters.length, error: String(err) }));
    for (const message of batch.messages) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    return;
  }
  for (const message of batch.messages) message.ack();
  // Message ids only: a body may hold anything.
  console.warn(JSON.stringify({ event: "dead_letters_parked", queue, message_ids: letters.map((l) => l.message_id) }));
}
