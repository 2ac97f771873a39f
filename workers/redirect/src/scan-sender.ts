import type { ScanMessage } from "@qr3/schema";

// Scan messages are sent in small batches: what accumulates over SCAN_BATCH_MS (100 ms), or 100 of
// them (Queues' batch limit), goes out in one sendBatch. Fewer queue operations, and fewer requests
// working after their response, keep the redirect path fast under load.
//
// A send runs in the context of the request that makes it, and that request keeps it alive with
// waitUntil: a request's outgoing I/O is cancelled once its response and its waitUntil work are
// done, so a batch must never be sent on behalf of a request that is not waiting for it. Two
// requests send: the one that opened a batch, when its timer fires (unless the batch was sent
// already), and the one whose message filled it.
const MAX_BATCH = 100;

export interface Send {
  /** The messages the request answers for, should the send fail. */
  messages: ScanMessage[];
  done: Promise<void>;
}

// The batch being filled, per queue binding.
const filling = new Map<Queue, ScanMessage[]>();

/**
 * Adds a scan message to the batch being filled. Returns the send this request must keep alive
 * (ctx.waitUntil) and answer for, or null when another request does.
 */
export function sendScan(queue: Queue, message: ScanMessage, batchMs: number): Send | null {
  const batch = filling.get(queue);
  if (!batch) {
    const opened = [message];
    filling.set(queue, opened);
    return {
      messages: opened,
      done: new Promise((resolve) => setTimeout(resolve, batchMs)).then(() => {
        if (filling.get(queue) !== opened) return; // it filled up, and was sent then
        filling.delete(queue);
        return sendBatch(queue, opened);
      }),
    };
  }
  batch.push(message);
  if (batch.length < MAX_BATCH) return null;
  filling.delete(queue);
  return { messages: batch, done: sendBatch(queue, batch) };
}

async function sendBatch(queue: Queue, messages: ScanMessage[]): Promise<void> {
  await queue.sendBatch(messages.map((body) => ({ body, contentType: "json" })));
}
