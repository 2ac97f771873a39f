// Delivers scan-queue bodies to the worker as one batch, the way the local Queues broker does.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import worker from "../src/index.ts";

/**
 * Runs `bodies` through the worker's queue handler as one batch of qr3-scans (message ids from
 * `ids`, each delivered for the `attempts`-th time), and answers what was acked and retried with
 * each retry's delay (getQueueResult does not report delays, so they are recorded on the way).
 */
export async function runScanBatch(bodies: unknown[], testEnv: Env, { attempts = 1, ids = bodies.map((_, i) => `msg-${i}`) }: { attempts?: number; ids?: string[] } = {}) {
  const batch = createMessageBatch("qr3-scans", bodies.map((body, i) => ({ id: ids[i]!, timestamp: new Date(), attempts, body })));
  const delays: Record<string, number | undefined> = {};
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    message.retry = (options?: QueueRetryOptions) => {
      delays[message.id] = options?.delaySeconds;
      retry(options);
    };
  }
  const ctx = createExecutionContext();
  await worker.queue(batch, testEnv, ctx);
  return { result: await getQueueResult(batch, ctx), delays };
}
