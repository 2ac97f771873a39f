import { beforeEach, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../src/body.ts";
import { apiFetch, call, seedKey, type Json } from "./helpers.ts";

let key: string;
let workspaceId: string;
let db: D1Database;
beforeEach(async () => {
  ({ key, workspace: { id: workspaceId }, db } = await seedKey());
});

const LIMIT = MAX_BODY_BYTES;

/** A request with a body of exactly these bytes and headers (no Content-Type unless given). */
async function send(path: string, body: BodyInit | null, headers: Record<string, string> = {}, method = "POST") {
  const response = await apiFetch(`https://api.qr3.test${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : null) as Json };
}
const JSON_TYPE = { "content-type": "application/json" };
const codeCount = () => db.prepare("SELECT count(*) AS n FROM codes WHERE workspace_id = ?1").bind(workspaceId).first<number>("n");

describe("request bodies: size, counted in bytes", () => {
  it("answers 413 for a 32 MB body without reading it all", async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    const total = 32 * 1024 * 1024;
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= total) return controller.close();
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const res = await send("/v1/codes", body, JSON_TYPE);
    expect(res.status).toBe(413);
    expect(res.json.error).toEqual({ code: "PAYLOAD_TOO_LARGE", message: `body: must be at most ${LIMIT} bytes` });
    // The limit and what the runtime's pipe buffers on the way; nowhere near the 32 MB sent.
    expect(pulled).toBeLessThan(2 * LIMIT);
  });

  it("answers 413 for a declared length over the limit", async () => {
    const res = await send("/v1/codes", `{"url":"https://example.com/${"a".repeat(LIMIT)}"}`, JSON_TYPE);
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("counts bytes, not characters", async () => {
    // Fewer characters than the limit, twice as many bytes of UTF-8.
    const res = await send("/v1/codes", JSON.stringify({ url: `https://example.com/${"é".repeat(LIMIT * 0.6)}` }), JSON_TYPE);
    expect(res.status).toBe(413);
    expect(await codeCount()).toBe(0);
  });

  it("reads a body of exactly the limit", async () => {
    const prefix = '{"url":"https://example.com/';
    const body = `${prefix}${"a".repeat(LIMIT - prefix.length - 2)}"}`;
    expect(new TextEncoder().encode(body).byteLength).toBe(LIMIT);
    const res = await send("/v1/codes", body, JSON_TYPE);
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe("url: must be at most 2048 characters");
  });
});

describe("request bodies: media type", () => {
  it.each(["text/plain", "application/x-www-form-urlencoded", "application/jsonp", "application/json-patch+json", "multipart/form-data; boundary=x", "application/json; charset=iso-8859-1"])(
    "answers 415 for Content-Type %s",
    async (type) => {
      const res = await send("/v1/codes", JSON.stringify({ url: "https://example.com/" }), { "content-type": type });
      expect(res.status).toBe(415);
      expect(res.json.error).toEqual({ code: "UNSUPPORTED_MEDIA_TYPE", message: "content-type: must be application/json" });
      expect(await codeCount()).toBe(0);
    },
  );

  it("answers 415 for a body without a Content-Type", async () => {
    const res = await send("/v1/codes", JSON.stringify({ url: "https://example.com/" }));
    expect(res.status).toBe(415);
    expect(res.json.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it.each(["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8", 'application/json; charset="utf-8"; profile=x'])(
    "accepts Content-Type %s",
    async (type) => {
      const res = await send("/v1/codes", JSON.stringify({ url: "https://example.com/" }), { "content-type": type });
      expect(res.status).toBe(201);
    },
  );
});

describe("request bodies: encoding", () => {
  it("answers 400 for invalid UTF-8 and stores nothing", async () => {
    const prefix = new TextEncoder().encode('{"url":"https://example.com/');
    const body = new Uint8Array([...prefix, 0xff, 0xfe, 0x22, 0x7d]);
    const res = await send("/v1/codes", body, JSON_TYPE);
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ code: "BAD_REQUEST", message: "body: must be valid UTF-8" });
    expect(await codeCount()).toBe(0);
  });

  it("answers 400 for a lone surrogate's bytes", async () => {
    const res = await send("/v1/codes", new Uint8Array([0x7b, 0xed, 0xa0, 0x80, 0x7d]), JSON_TYPE);
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe("body: must be valid UTF-8");
  });
});

describe("request bodies: routes that take none", () => {
  async function webhookWithDelivery() {
    const webhook = (await call("/v1/webhooks", { method: "POST", key, body: { url: "https://example.com/h", events: ["qr.scanned"] } })).json.data;
    const delivery = (await call(`/v1/webhooks/${webhook.id}/test`, { method: "POST", key })).json.data;
    return { webhook, delivery };
  }
  const deliveries = () => db.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE workspace_id = ?1").bind(workspaceId).first<number>("n");

  it("answers 400 for a body sent to POST /test and /redeliver, and sends nothing", async () => {
    const { webhook, delivery } = await webhookWithDelivery();
    for (const path of [`/v1/webhooks/${webhook.id}/test`, `/v1/webhooks/${webhook.id}/deliveries/${delivery.id}/redeliver`]) {
      for (const body of ["{}", '{"event":"x"}', " "]) {
        const res = await send(path, body, JSON_TYPE);
        expect(res.status, `${path} ${body}`).toBe(400);
        expect(res.json.error).toEqual({ code: "BAD_REQUEST", message: "body: must be empty" });
      }
    }
    expect(await deliveries()).toBe(1);
  });

  it("answers 400 for a body sent to DELETE, and deletes nothing", async () => {
    const { webhook } = await webhookWithDelivery();
    const code = (await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com/" } })).json.data;
    for (const path of [`/v1/codes/${code.id}`, `/v1/webhooks/${webhook.id}`]) {
      const res = await send(path, '{"confirm":true}', JSON_TYPE, "DELETE");
      expect(res.status, path).toBe(400);
      expect(res.json.error.message).toBe("body: must be empty");
      expect((await call(path, { key })).status).toBe(200);
    }
  });

  it("accepts those routes without a body, with or without a Content-Type", async () => {
    const { webhook } = await webhookWithDelivery();
    expect((await send(`/v1/webhooks/${webhook.id}/test`, null)).status).toBe(202);
    expect((await send(`/v1/webhooks/${webhook.id}/test`, "", JSON_TYPE)).status).toBe(202);
  });

  it("keeps rotate-secret's body optional, and checked when given", async () => {
    const { webhook } = await webhookWithDelivery();
    expect((await send(`/v1/webhooks/${webhook.id}/rotate-secret`, null)).status).toBe(200);
    expect((await send(`/v1/webhooks/${webhook.id}/rotate-secret`, "{}", JSON_TYPE)).status).toBe(200);
    expect((await send(`/v1/webhooks/${webhook.id}/rotate-secret`, '{"secret":"x"}', { "content-type": "text/plain" })).status).toBe(415);
  });
});
