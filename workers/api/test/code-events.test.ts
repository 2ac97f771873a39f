// The code.created, code.updated and code.deleted events: staged with their change, one per code
// and subscription that lists them, their data the code exactly as GET /v1/codes/:id answers.
import { beforeEach, describe, expect, it } from "vitest";
import { call, seedKey, type Json } from "./helpers.ts";

let key: string;
let db: D1Database;
beforeEach(async () => {
  ({ key, db } = await seedKey());
});

async function subscribe(events: string[]) {
  const res = await call("/v1/webhooks", { method: "POST", key, body: { url: "https://hooks.example.com/qr3", events } });
  expect(res.status).toBe(201);
  return res.json.data.id as string;
}

async function deliveries(webhookId: string) {
  const { results } = await db
    .prepare("SELECT event_id, event_type, payload, state FROM webhook_deliveries WHERE webhook_id = ?1 ORDER BY id")
    .bind(webhookId)
    .all<{ event_id: string; event_type: string; payload: string; state: string }>();
  return results.map((r) => ({ ...r, payload: JSON.parse(r.payload) as Json }));
}

describe("code lifecycle events", () => {
  it("sends code.created, code.updated with what changed, and code.deleted, each with the code as GET shows it", async () => {
    const hook = await subscribe(["code.created", "code.updated", "code.deleted"]);
    const created = (await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com/a", name: "Menu", tags: ["food"] } })).json.data;
    const changed = (await call(`/v1/codes/${created.id}`, { method: "PATCH", key, body: { url: "https://example.com/b", tags: ["food", "print"] } })).json.data;
    const current = (await call(`/v1/codes/${created.id}`, { key })).json.data;
    expect((await call(`/v1/codes/${created.id}`, { method: "DELETE", key })).status).toBe(204);

    const sent = await deliveries(hook);
    expect(sent.map((d) => d.event_type)).toEqual(["code.created", "code.updated", "code.deleted"]);
    expect(sent.every((d) => d.state === "pending")).toBe(true);
    const [c, u, d] = sent.map((s) => s.payload);
    expect(c).toMatchObject({ type: "code.created", data: created });
    expect(u).toMatchObject({ type: "code.updated", data: changed, previous_attributes: { url: "https://example.com/a", tags: ["food"] } });
    expect(d).toMatchObject({ type: "code.deleted", data: current });
    for (const [i, s] of sent.entries()) {
      expect(s.payload.id).toBe(s.event_id);
      expect(s.payload.id).toMatch(/^evt_/);
      expect(Date.parse(s.payload.created)).not.toBeNaN();
      expect(Object.keys(s.payload).sort()).toEqual(i === 1 ? ["created", "data", "id", "previous_attributes", "type"] : ["created", "data", "id", "type"]);
    }
  });

  it("sends only the events a subscription lists, nothing to a disabled one, and nothing for a change that changed nothing", async () => {
    const onlyDeleted = await subscribe(["code.deleted"]);
    const scans = await subscribe(["qr.scanned"]);
    const disabled = await subscribe(["code.created"]);
    await call(`/v1/webhooks/${disabled}`, { method: "PATCH", key, body: { status: "disabled" } });
    const updates = await subscribe(["code.updated"]);
    const code = (await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com/a" } })).json.data;
    await call(`/v1/codes/${code.id}`, { method: "PATCH", key, body: { url: "https://example.com/a" } });
    expect(await deliveries(updates)).toEqual([]);
    await call(`/v1/codes/${code.id}`, { method: "DELETE", key });
    expect((await deliveries(onlyDeleted)).map((d) => d.event_type)).toEqual(["code.deleted"]);
    expect(await deliveries(scans)).toEqual([]);
    expect(await deliveries(disabled)).toEqual([]);
  });

  it("sends one event per code of a bulk create and a bulk update", async () => {
    const hook = await subscribe(["code.created", "code.updated"]);
    const n = 250;
    const codes = (await call("/v1/codes/bulk", { method: "POST", key, body: { codes: Array.from({ length: n }, (_, i) => ({ url: `https://example.com/${i}`, tags: ["batch"] })) } })).json.data;
    expect(codes).toHaveLength(n);
    expect((await call("/v1/codes/bulk-update", { method: "POST", key, body: { tag: "batch", set: { status: "disabled" } } })).json.data).toEqual({ updated: n });
    const sent = await deliveries(hook);
    const created = sent.filter((s) => s.event_type === "code.created");
    const updated = sent.filter((s) => s.event_type === "code.updated");
    expect(created.map((s) => s.payload.data.id).sort()).toEqual(codes.map((c: Json) => c.id).sort());
    expect(updated).toHaveLength(n);
    const some = updated[0]!.payload;
    expect(some.previous_attributes).toEqual({ status: "active" });
    expect(some.data).toEqual((await call(`/v1/codes/${some.data.id}`, { key })).json.data);
    expect(new Set(sent.map((s) => s.event_id)).size).toBe(2 * n);
  });
});
