// Webhooks over the real local stack, received by a real HTTP server that verifies every request
// with the standardwebhooks library.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../../scripts/lib/stack.ts";
import { apiClient, startTestStack, waitFor } from "./helpers.ts";
import { Receiver } from "./receiver.ts";

let stack: Stack;
let cleanup: () => Promise<void>;
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.start();
  ({ stack, cleanup } = await startTestStack());
});

afterAll(async () => {
  await cleanup?.();
  await receiver.stop();
});

const scan = (shortCode: string, country: string) =>
  fetch(`${stack.origin}/${shortCode}`, {
    redirect: "manual",
    headers: {
      "x-dev-country": country,
      "user-agent":
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    },
  });

describe("webhooks over the local stack", () => {
  it("delivers one verified event per scan, keeps every event through an outage, and logs the whole story", async () => {
    // The demo workspace of shard 1: the events are staged, dispatched and delivered from that shard.
    const api = apiClient(stack.origin, stack.demos[1]!.api_key);
    const code = (await api("/v1/codes", { method: "POST", body: { url: "https://example.com/menu" } })).json.data;
    const created = await api("/v1/webhooks", { method: "POST", body: { url: receiver.url, events: ["qr.scanned"] } });
    expect(created.status).toBe(201);
    const webhook = created.json.data;
    receiver.setSecret(webhook.secret);

    // 1. A test event.
    expect((await api(`/v1/webhooks/${webhook.id}/test`, { method: "POST" })).status).toBe(202);
    await waitFor(() => receiver.received.length, (n) => n >= 1);
    expect(receiver.received[0]!.event).toMatchObject({ type: "webhook.test", data: { webhook_id: webhook.id } });

    // 2. Three scans, three events with exactly the documented payload.
    for (const country of ["AT", "DE", "CH"]) expect((await scan(code.short_code, country)).status).toBe(302);
    await waitFor(() => receiver.accepted().size, (n) => n >= 4);
    const scanEvents = [...receiver.accepted().values()].filter((r) => r.event.type === "qr.scanned");
    expect(scanEvents).toHaveLength(3);
    for (const r of scanEvents) {
      expect(r.id).toBe(r.event.id);
      expect(r.event).toEqual({
        id: expect.stringMatching(/^evt_/),
        type: "qr.scanned",
        created: expect.stringMatching(/Z$/),
        data: {
          code_id: code.id,
          short_code: code.short_code,
          scan_id: `scn_${r.event.id.slice(4)}`,
          country: expect.any(String),
          device_type: "mobile",
          os: "iOS",
        },
      });
    }
    expect(scanEvents.map((r) => r.event.data.country).sort()).toEqual(["AT", "CH", "DE"]);

    // 3. The endpoint fails for a while; two more scans happen meanwhile.
    receiver.status = 500;
    for (const country of ["FR", "IT"]) await scan(code.short_code, country);
    await waitFor(() => receiver.received.filter((r) => r.answered === 500).length, (n) => n >= 2);
    receiver.status = 200;

    // ...and both events still arrive, on the retry 5 seconds later, with the same webhook-id.
    const all = await waitFor(() => receiver.accepted(), (m) => m.size >= 6, 30_000);
    expect([...all.values()].filter((r) => r.event.type === "qr.scanned")).toHaveLength(5);
    const failedIds = receiver.received.filter((r) => r.answered === 500).map((r) => r.id);
    for (const id of failedIds) expect(all.has(id)).toBe(true);
    expect(receiver.rejected).toEqual([]);

    // 4. The delivery log tells it: newest first, every attempt with its status.
    const log = await waitFor(
      () => api(`/v1/webhooks/${webhook.id}/deliveries`),
      (r) => r.json.data.every((d: { state: string }) => d.state === "succeeded"),
    );
    const deliveries = log.json.data as Array<{ event_id: string; event_type: string; state: string; attempts: Array<{ attempt: number; response_status: number }> }>;
    expect(deliveries).toHaveLength(6);
    expect(deliveries.at(-1)!.event_type).toBe("webhook.test");
    for (const d of deliveries) {
      expect(d.state).toBe("succeeded");
      const statuses = d.attempts.map((a) => a.response_status);
      if (failedIds.includes(d.event_id)) expect(statuses).toEqual([500, 200]);
      else expect(statuses).toEqual([200]);
    }

    // 5. Redelivering an event sends it again, with the same webhook-id.
    const first = deliveries.find((d) => d.event_type === "qr.scanned")!;
    const before = receiver.received.length;
    const redelivered = await api(`/v1/webhooks/${webhook.id}/deliveries/${(first as unknown as { id: string }).id}/redeliver`, { method: "POST" });
    expect(redelivered.status).toBe(202);
    await waitFor(() => receiver.received.length, (n) => n > before);
    expect(receiver.received.at(-1)!.id).toBe(first.event_id);
  });
});
