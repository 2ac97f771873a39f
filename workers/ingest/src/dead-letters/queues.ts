import { QUEUES } from "../queues.ts";

// The dead-letter queues this worker consumes (wrangler.ingest.toml), each with the queue its
// messages were meant for, which is where a replay sends them.
export const DEAD_LETTER_QUEUES = {
  "qr3-scans-dlq": QUEUES.scans,
  "qr3-webhooks-dlq": QUEUES.webhooks,
} as const;

export type DeadLetterQueue = keyof typeof DEAD_LETTER_QUEUES;
export type ReplayQueue = (typeof DEAD_LETTER_QUEUES)[DeadLetterQueue];

export function isDeadLetterQueue(queue: string): queue is DeadLetterQueue {
  return Object.hasOwn(DEAD_LETTER_QUEUES, queue);
}
