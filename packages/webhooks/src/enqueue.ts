import { MAX_DELIVERIES_PER_MESSAGE, type WebhookQueueMessage } from "@qr3/schema";

export interface DeliveryToEnqueue {
  id: string;
  webhook_id: string;
  attempt: number;
  delaySeconds?: number;
}

const MAX_MESSAGES_PER_SEND = 100; // Queues' sendBatch limit

async function sendAll(queue: Queue, messages: MessageSendRequest<WebhookQueueMessage>[]): Promise<void> {
  for (let i = 0; i < messages.length; i += MAX_MESSAGES_PER_SEND) {
    await queue.sendBatch(messages.slice(i, i + MAX_MESSAGES_PER_SEND));
  }
}

/** Asks for outbox rows of a shard to be turned into deliveries. */
export async function enqueueDispatch(queue: Queue, shard: number, outboxIds: readonly string[]): Promise<void> {
  await sendAll(queue, outboxIds.map((outbox_id) => ({ body: { kind: "dispatch", outbox_id, shard }, contentType: "json" })));
}

/**
 * Sends delivery pointers of a shard to the webhooks queue: one message per subscription and
 * delay, at most 50 deliveries each, so a slow endpoint only ever holds up its own deliveries.
 */
export async function enqueueDeliveries(queue: Queue, shard: number, items: readonly DeliveryToEnqueue[]): Promise<void> {
  const groups = new Map<string, { webhook_id: string; delaySeconds: number; deliveries: Array<{ id: string; attempt: number }> }>();
  for (const item of items) {
    const delaySeconds = item.delaySeconds ?? 0;
    const key = `${item.webhook_id}:${delaySeconds}`;
    const group = groups.get(key) ?? { webhook_id: item.webhook_id, delaySeconds, deliveries: [] };
    group.deliveries.push({ id: item.id, attempt: item.attempt });
    groups.set(key, group);
  }
  const messages: MessageSendRequest<WebhookQueueMessage>[] = [];
  for (const group of groups.values()) {
    for (let i = 0; i < group.deliveries.length; i += MAX_DELIVERIES_PER_MESSAGE) {
      messages.push({
        body: { kind: "deliver", webhook_id: group.webhook_id, deliveries: group.deliveries.slice(i, i + MAX_DELIVERIES_PER_MESSAGE), shard },
        contentType: "json",
        delaySeconds: group.delaySeconds,
      });
    }
  }
  await sendAll(queue, messages);
}
