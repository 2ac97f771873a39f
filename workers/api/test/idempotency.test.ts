// Idempotency-Key on POST: one run per API key and key within 24 hours, the first answer
// replayed, a different request refused, a failure left retryable.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { IDEMPOTENCY_TTL_HOURS } from "@qr3/schema/api";
import { freezeClock } from "../../../test/clocks.ts";
import { MAX_BODY_BYTES } from "../src/body.ts";
import { addKey, call, callWithEnv, seedKey, type CallOptions } from "./helpers.ts";
import { holdFirstPut } from "./held-kv.ts";

const HOUR = 3_600_000;

const create = (key: string, idempotencyKey: string, body: unknown = { url: "https://example.com/menu" }, options: CallOptions = {}) =>
  call("/v1/codes", { method: "POST", key, body, ...options, headers: { "idempotency-key": idempotencyKey, ...options.headers } });

async function codesOf(key: string): Promise<Array<{ id: string; url: string }>> {
  const res = await call("/v1/codes?limit=100", { key });
  expect(res.status).toBe(200);
  return res.json.data;
}


/** A LINKS binding that refuses every write, as KV does when it is down. */
const refusingPuts = (kv: KVNamespace) =>
  new Proxy(kv, {
    get(target, prop) {
      if (prop === "put") return () => Promise.reject(new Error("KV PUT failed: 500 Internal Server Error"));
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });

afterEach(() => {
  vi.useRealTimers();
});

describe("Idempotency-Key", () => {
  it("of 20 concurrent identical creates, runs one: every answer is its 201 or 409 IDEMPOTENCY_IN_PROGRESS", async () => {
    const { key } = await seedKey();
    const answers = await Promise.all(Array.from({ length: 20 }, () => create(key, "create-menu-1")));
    const codes = await codesOf(key);
    expect(codes).toHaveLength(1);
    for (const res of answers) {
      if (res.status === 201) {
        expect(res.json.data.id).toBe(codes[0]!.id);
      } else {
        expect(res.status).toBe(409);
        expect(res.json.error.code).toBe("IDEMPOTENCY_IN_PROGRESS");
        expect(res.json.error.message).toMatch(/^idempotency-key: /);
      }
    }
    expect(answers.filter((r) => r.status === 201 && r.headers.get("idempotent-replayed") === null)).toHaveLength(1);
    // Once the first has answered, every duplicate gets its answer.
    const again = await create(key, "create-menu-1");
    expect(again.status).toBe(201);
    expect(again.json.data.id).toBe(codes[0]!.id);
  });

  it("replays the first answer, status and body, with Idempotent-Replayed and this request's x-request-id", async () => {
    const { key } = await seedKey();
    const first = await create(key, "replay-1");
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const second = await create(key, "replay-1");
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.json).toEqual(first.json);
    expect(second.headers.get("content-type")).toBe(first.headers.get("content-type"));
    expect(second.headers.get("x-request-id")).toMatch(/^req_/);
    expect(second.headers.get("x-request-id")).not.toBe(first.headers.get("x-request-id"));
    expect(second.json.meta.request_id).toBe(first.headers.get("x-request-id"));
    expect(await codesOf(key)).toHaveLength(1);
  });

  it("refuses the key with another body or another path: 422 IDEMPOTENCY_MISMATCH, nothing done", async () => {
    const { key } = await seedKey();
    expect((await create(key, "mismatch-1")).status).toBe(201);
    const otherBody = await create(key, "mismatch-1", { url: "https://example.com/other" });
    expect(otherBody.status).toBe(422);
    expect(otherBody.json.error.code).toBe("IDEMPOTENCY_MISMATCH");
    expect(otherBody.json.error.message).toMatch(/^idempotency-key: /);
    const otherPath = await call("/v1/webhooks", {
      method: "POST",
      key,
      body: { url: "https://example.com/menu" },
      headers: { "idempotency-key": "mismatch-1" },
    });
    expect(otherPath.status).toBe(422);
    expect(otherPath.json.error.code).toBe("IDEMPOTENCY_MISMATCH");
    expect(await codesOf(key)).toHaveLength(1);
    expect((await call("/v1/webhooks", { key })).json.data).toEqual([]);
  });

  it("keeps each API key's Idempotency-Keys apart, in the same workspace", async () => {
    const { key, workspace } = await seedKey();
    const other = await addKey(workspace);
    const mine = await create(key, "shared-key");
    const theirs = await create(other.key, "shared-key");
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
    expect(theirs.json.data.id).not.toBe(mine.json.data.id);
    // And another body under another API key is no mismatch either.
    expect((await create(other.key, "shared-key-2", { url: "https://example.com/a" })).status).toBe(201);
    expect((await create(key, "shared-key-2", { url: "https://example.com/b" })).status).toBe(201);
    expect(await codesOf(key)).toHaveLength(4);
  });

  it(`remembers a key for ${IDEMPOTENCY_TTL_HOURS} hours, then runs it again`, async () => {
    const { key } = await seedKey();
    const start = Date.now();
    freezeClock(start);
    const first = await create(key, "daily-import");
    freezeClock(start + IDEMPOTENCY_TTL_HOURS * HOUR - 1000);
    const within = await create(key, "daily-import");
    expect(within.headers.get("idempotent-replayed")).toBe("true");
    expect(within.json.data.id).toBe(first.json.data.id);
    freezeClock(start + IDEMPOTENCY_TTL_HOURS * HOUR);
    const after = await create(key, "daily-import");
    expect(after.status).toBe(201);
    expect(after.headers.get("idempotent-replayed")).toBeNull();
    expect(after.json.data.id).not.toBe(first.json.data.id);
    // Expired, it is a new record: another body is no mismatch either.
    freezeClock(start + 2 * IDEMPOTENCY_TTL_HOURS * HOUR + 1000);
    expect((await create(key, "daily-import", { url: "https://example.com/other" })).status).toBe(201);
    expect(await codesOf(key)).toHaveLength(3);
  });

  it("stores no 5xx: the claim is released and a retry runs again", { timeout: 30_000 }, async () => {
    const { key } = await seedKey();
    const body = { url: "https://example.com/menu" };
    const failed = await callWithEnv({ LINKS: refusingPuts(env.LINKS) }, "/v1/codes", {
      method: "POST",
      key,
      body,
      headers: { "idempotency-key": "kv-down" },
    });
    expect(failed.status).toBe(500);
    expect(await codesOf(key)).toHaveLength(0);
    const retry = await create(key, "kv-down", body);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(await codesOf(key)).toHaveLength(1);
  });

  it("stores an answer below 500, a refusal included, and replays it", async () => {
    const { key } = await seedKey();
    const taken = await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com/a", short_code: "taken-once" } });
    const refused = await create(key, "claim-taken", { url: "https://example.com/b", short_code: "taken-once" });
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe("CONFLICT");
    // Even once the short code is free again, the key answers as it did.
    expect((await call(`/v1/codes/${taken.json.data.id}`, { method: "DELETE", key })).status).toBe(204);
    const replayed = await create(key, "claim-taken", { url: "https://example.com/b", short_code: "taken-once" });
    expect(replayed.status).toBe(409);
    expect(replayed.headers.get("idempotent-replayed")).toBe("true");
    expect(replayed.json).toEqual(refused.json);
  });

  it("answers a duplicate 409 while the first runs, and lets one take over a claim whose lease has passed", async () => {
    const { key } = await seedKey();
    const start = Date.now();
    freezeClock(start);
    const hold = holdFirstPut(env.LINKS);
    const body = { url: "https://example.com/held" };
    const first = callWithEnv({ LINKS: hold.kv }, "/v1/codes", { method: "POST", key, body, headers: { "idempotency-key": "held" } });
    await hold.arrived;
    const duplicate = await create(key, "held", body);
    expect(duplicate.status).toBe(409);
    expect(duplicate.json.error.code).toBe("IDEMPOTENCY_IN_PROGRESS");
    // A request that takes over a minute has died (nothing runs that long): its claim is taken over.
    freezeClock(start + 61_000);
    const takeover = await create(key, "held", body);
    expect(takeover.status).toBe(201);
    expect(takeover.headers.get("idempotent-replayed")).toBeNull();
    hold.release();
    expect((await first).status).toBe(201);
    // The record holds the answer of the request that held the claim last.
    const replay = await create(key, "held", body);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json.data.id).toBe(takeover.json.data.id);
  });

  it("replays an operation without a body (a webhook's test event) once", async () => {
    const { key } = await seedKey();
    const webhook = (await call("/v1/webhooks", { method: "POST", key, body: { url: "https://example.com/hook", events: ["qr.scanned"] } })).json.data;
    const send = () => call(`/v1/webhooks/${webhook.id}/test`, { method: "POST", key, headers: { "idempotency-key": "test-once" } });
    const first = await send();
    expect(first.status).toBe(202);
    const second = await send();
    expect(second.status).toBe(202);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.json.data.id).toBe(first.json.data.id);
    expect((await call(`/v1/webhooks/${webhook.id}/deliveries`, { key })).json.data).toHaveLength(1);
  });

  it("stores an answer holding a secret sealed, and replays the secret to the same API key", async () => {
    const { key, db } = await seedKey();
    const headers = { "idempotency-key": "new-hook" };
    const body = { url: "https://example.com/hook", events: ["qr.scanned"] };
    const first = await call("/v1/webhooks", { method: "POST", key, body, headers });
    expect(first.status).toBe(201);
    const secret: string = first.json.data.secret;
    expect(secret).toMatch(/^whsec_/);
    const stored = await db.prepare("SELECT body FROM idempotency_keys WHERE idempotency_key = 'new-hook'").first<string>("body");
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain("whsec_");
    expect(stored).not.toContain(first.json.data.id);
    const replay = await call("/v1/webhooks", { method: "POST", key, body, headers });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json.data.secret).toBe(secret);
  });

  it.each([
    ["too long", "k".repeat(256)],
    ["not ASCII", "schlüssel"],
    ["a control character", "a\tb"],
  ])("answers 400 naming idempotency-key for a key %s", async (_, value) => {
    const { key } = await seedKey();
    const res = await create(key, value);
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe("idempotency-key: must be 1 to 255 printable ASCII characters");
    expect(await codesOf(key)).toHaveLength(0);
  });

  it("takes a key of 255 printable characters", async () => {
    const { key } = await seedKey();
    const value = ` !"#$%&'()*+,-./09:;<=>?@AZ[\\]^_\`az{|}~`.padEnd(255, "x");
    expect((await create(key, value)).status).toBe(201);
    expect((await create(key, value)).headers.get("idempotent-replayed")).toBe("true");
  });

  it("answers 413 and 415 as such with a key, and leaves the key unused", async () => {
    const { key } = await seedKey();
    const headers = { "idempotency-key": "bodies" };
    const tooLarge = await call("/v1/codes", {
      method: "POST",
      key,
      rawBody: JSON.stringify({ url: `https://example.com/${"a".repeat(MAX_BODY_BYTES)}` }),
      headers: { ...headers, "content-type": "application/json" },
    });
    expect(tooLarge.status).toBe(413);
    const notJson = await call("/v1/codes", { method: "POST", key, rawBody: '{"url":"https://example.com/menu"}', headers: { ...headers, "content-type": "text/plain" } });
    expect(notJson.status).toBe(415);
    const created = await create(key, "bodies");
    expect(created.status).toBe(201);
    expect(created.headers.get("idempotent-replayed")).toBeNull();
  });

  it("leaves a POST without the header as it was: each one runs", async () => {
    const { key } = await seedKey();
    const body = { url: "https://example.com/menu" };
    await call("/v1/codes", { method: "POST", key, body });
    await call("/v1/codes", { method: "POST", key, body });
    expect(await codesOf(key)).toHaveLength(2);
  });
});
