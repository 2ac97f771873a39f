import type { ScanMessage } from "@qr3/schema";

// Scan messages are sent in small batches: what accumulated over FLUSH_MS (or 100 of them,
// Queues' batch limit) goes out in one sendBatch. Each request's waitUntil awaits the flush that
// carries its message, so nothing is sent after its request is over. Fewer queue operations cost
// less and keep the redirect path fast under load.
const FLUSH_MS = 100;
const MAX_BATCH = 100;

interface Pending {
  messages: ScanMessage[];
  done: Promise<void>;
}

// The batch being filled, per queue binding.
const pending = new Map<Queue, Pending & { flush: () => void }>();

/** Queues a scan message for the next flush; resolves once it has been handed to the queue. */
export function sendScan(queue: Queue, message: ScanMessage): Promise<void> {
  let batch = pending.get(queue);
  if (!batch) {
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
  return batch.done;
}
