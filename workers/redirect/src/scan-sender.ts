import type { ScanMessage } from "@qr3/schema";

// Scan messages are sent in small batches: what accumulated over FLUSH_MS (or 100 of them,
// Queues' batch limit) goes out in one sendBatch. The request that opened a batch keeps its
// waitUntil open until the batch is sent (the timer and the send run in its context); the others
// only add their message. Fewer queue operations, and fewer requests held open, cost less and
// keep the redirect path fast under load.
const FLUSH_MS = 100;
const MAX_BATCH = 100;

export interface Pending {
  messages: ScanMessage[];
  done: Promise<void>;
}

// The batch being filled, per queue binding.
const pending = new Map<Queue, Pending & { flush: () => void }>();

/**
 * Adds a scan message to the batch being filled. Returns the batch, for the request that opened
 * it to wait on its send (and to log a failure for all of it); null for the others.
 */
export function sendScan(queue: Queue, message: ScanMessage): Pending | null {
  let batch = pending.get(queue);
  let opened = false;
  if (!batch) {
    opened = true;
    let flush!: () => void;
    const started = new Promise<void>((resolve) => (flush = resolve));
    const created: Pending & { flush: () => void } = {
      messages: [],
      flush,
      done: started.then(async () => {
        if (pending.get(queue) === created) pending.delete(queue);
        await queue.sendBatch(created.messages.map((body) => ({ body, contentType: "json" })));
      }),
    };
    pending.set(queue, created);
    setTimeout(() => created.flush(), FLUSH_MS);
    batch = created;
  }
  batch.messages.push(message);
  if (batch.messages.length >= MAX_BATCH) {
    pending.delete(queue);
    batch.flush();
  }
  return opened ? batch : null;
}
