import type { ScanMessage, ScanPack } from "@qr3/schema";
import { PACK_LIMITS } from "@qr3/schema/limits";
import { MAX_MESSAGE_BYTES, messageBytes, type Scan } from "./scan-message.ts";

// Scans are sent in small batches, each batch as ONE queue message (a pack): what accumulates
// over SCAN_BATCH_MS (100 ms), or 100 scans, or as many as could take the pack past its byte limit
// with one more (a queue message takes 128 KB). A batch's messages are built when it is sent, in
// one loop (the salted hashes and timestamps of up to a hundred scans at once), which costs a
// request less than building its own message as it is answered. One queue operation per batch
// instead of per scan, and fewer requests working after their response, keep the redirect path
// fast and cheap under load.
//
// A send runs in the context of the request that makes it, and that request keeps it alive with
// waitUntil: a request's outgoing I/O is cancelled once its response and its waitUntil work are
// done, so a batch must never be sent on behalf of a request that is not waiting for it. Two
// requests send: the one that opened a batch, when its timer fires (unless the batch was sent
// already), and the one whose scan filled it.
// A failed salt read or queue send is tried again, twice, 100 then 200 ms later, within the
// sending request's waitUntil; only then is the batch logged as lost.
const ATTEMPTS = 3;
const RETRY_MS = 100;

export type BuildMessages = (scans: Scan[]) => Promise<ScanMessage[]>;

export interface Send {
  /** The scans this request answers for, should the send fail. */
  scans: Scan[];
  done: Promise<void>;
}

interface Filling {
  scans: Scan[];
  /** An upper bound of their messages' bytes. */
  bytes: number;
}

// The batch being filled, per queue binding.
const filling = new Map<Queue, Filling>();

/** Whether a batch must go now: full, or one more scan could take its pack past the byte limit. */
const isFull = (batch: Filling) => batch.scans.length >= PACK_LIMITS.scans || batch.bytes > PACK_LIMITS.bytes - MAX_MESSAGE_BYTES;

/**
 * Adds a scan to the batch being filled. Returns the send this request must keep alive
 * (ctx.waitUntil) and answer for, or null when another request does.
 */
export function sendScan(queue: Queue, scan: Scan, batchMs: number, build: BuildMessages): Send | null {
  const batch = filling.get(queue);
  if (!batch) {
    const opened: Filling = { scans: [scan], bytes: messageBytes(scan) };
    const send: Send = { scans: opened.scans, done: Promise.resolve() };
    if (isFull(opened)) {
      send.done = deliver(queue, send, build);
      return send;
    }
    filling.set(queue, opened);
    send.done = new Promise((resolve) => setTimeout(resolve, batchMs)).then(() => {
      if (filling.get(queue) !== opened) {
        send.scans = []; // it filled up, and the request that filled it sent it
        return;
      }
      filling.delete(queue);
      return deliver(queue, send, build);
    });
    return send;
  }
  batch.scans.push(scan);
  batch.bytes += messageBytes(scan);
  if (!isFull(batch)) return null;
  filling.delete(queue);
  const send: Send = { scans: batch.scans, done: Promise.resolve() };
  send.done = deliver(queue, send, build);
  return send;
}

async function deliver(queue: Queue, send: Send, build: BuildMessages): Promise<void> {
  const pack: ScanPack = { scans: await retried(() => build(send.scans)) };
  // The same pack each time: a send that failed but reached the queue is then delivered twice,
  // with the same scan ids, and the consumer stores each scan once.
  await retried(() => queue.send(pack, { contentType: "json" }));
}

async function retried<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= ATTEMPTS) throw err;
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS * n));
    }
  }
}
