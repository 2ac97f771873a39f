// `pnpm admin dlq`: what the dead-letter queues hold (parked in the control database by the ingest worker), and
// marking it for replay, which the ingest worker's 5-minute cron then sends back to its queue.
import { deadLetterCounts, markDeadLettersForReplay, recentDeadLetters, type DeadLetterRow } from "@qr3/db";
import { ScanMessageSchema, scansOf, WebhookQueueMessageSchema } from "@qr3/schema";
import { DEAD_LETTER_QUEUES } from "../../workers/ingest/src/dead-letters/queues.ts";
import { UsageError } from "./accounts.ts";

const QUEUES = Object.entries(DEAD_LETTER_QUEUES).map(([dead_letter_queue, queue]) => ({ queue, dead_letter_queue }));
const DEFAULT_LIMIT = 20;

/** --queue takes a queue or its dead-letter queue: qr3-scans and qr3-scans-dlq are the same. */
function queueOf(name: string | undefined): string | null {
  if (name === undefined) return null;
  const found = QUEUES.find((q) => q.queue === name || q.dead_letter_queue === name);
  if (!found) throw new UsageError(`--queue must be one of ${QUEUES.map((q) => q.queue).join(", ")}`);
  return found.queue;
}

/**
 * Ids and types only: a scan's body holds no IP, but its user agent, referer and place are the
 * visitor's, and need not be on an operator's screen unless asked for (--bodies).
 */
function describeBody(row: DeadLetterRow): Record<string, unknown> {
  if (row.format !== "json") return { type: row.format };
  const body: unknown = JSON.parse(row.body);
  if (row.queue === DEAD_LETTER_QUEUES["qr3-scans-dlq"]) {
    // A pack of scans (or one scan, from before packing): each scan's ids, "invalid" for one that is not a scan.
    const scans = scansOf(body);
    if (scans === null) return { type: "invalid" };
    const ids = scans.map((s) => {
      const scan = ScanMessageSchema.safeParse(s);
      return scan.success ? { scan_id: scan.data.scan_id, code_id: scan.data.code_id, workspace_id: scan.data.workspace_id } : { type: "invalid" };
    });
    return { type: "scans", scans: ids };
  }
  const webhook = WebhookQueueMessageSchema.safeParse(body);
  if (!webhook.success) return { type: "invalid" };
  const message = webhook.data;
  if (message.kind === "dispatch") return { type: "dispatch", outbox_id: message.outbox_id };
  return { type: "deliver", webhook_id: message.webhook_id, delivery_ids: message.deliveries.map((d) => d.id) };
}

function entry(row: DeadLetterRow, bodies: boolean) {
  const { body, format, queue: _queue, ...rest } = row;
  return { ...rest, ...describeBody(row), ...(bodies ? { format, body: JSON.parse(body) as unknown } : {}) };
}

export async function listDeadLetters(db: D1Database, options: { queue?: string; limit?: string; bodies?: boolean }) {
  const only = queueOf(options.queue);
  if (options.limit !== undefined && !/^\d{1,4}$/.test(options.limit)) throw new UsageError("--limit must be a whole number");
  const limit = options.limit === undefined ? DEFAULT_LIMIT : Number(options.limit);
  const counts = new Map((await deadLetterCounts(db)).map((c) => [c.queue, c]));
  const queues = [];
  for (const q of QUEUES.filter((q) => only === null || q.queue === only)) {
    const c = counts.get(q.queue);
    const recent = c && limit > 0 ? await recentDeadLetters(db, q.queue, limit) : [];
    queues.push({
      ...q,
      parked: c?.parked ?? 0,
      awaiting_replay: c?.awaiting_replay ?? 0,
      replayed: c?.replayed ?? 0,
      oldest_parked_at: c?.oldest_parked_at ?? null,
      recent: recent.map((row) => entry(row, options.bodies ?? false)),
    });
  }
  return { queues };
}

/** Marks rows for replay: all not yet replayed, of one queue with --queue, only those named with --ids. */
export async function replayDeadLetters(db: D1Database, options: { queue?: string; ids?: string }) {
  const queue = queueOf(options.queue);
  const ids = options.ids === undefined ? null : options.ids.split(",").map((id) => id.trim()).filter(Boolean);
  if (ids !== null && ids.length === 0) throw new UsageError("--ids takes message ids, separated by commas");
  const marked = await markDeadLettersForReplay(db, queue, ids, new Date().toISOString());
  const byQueue: Record<string, number> = {};
  for (const m of marked) byQueue[m.queue] = (byQueue[m.queue] ?? 0) + 1;
  const markedIds = new Set(marked.map((m) => m.message_id));
  return {
    marked: marked.length,
    queues: byQueue,
    // Unknown, or already marked or replayed.
    ...(ids !== null ? { not_marked: ids.filter((id) => !markedIds.has(id)) } : {}),
    replay: "the ingest worker's 5-minute cron sends marked rows back to their queue",
  };
}
