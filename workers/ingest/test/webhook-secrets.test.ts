import { env } from "cloudflare:workers";
import { newId, shardNumbers } from "@qr3/core";
import { insertDelivery, replaceSecrets } from "@qr3/db";
import { generateSecret, loadKeyring, openSecret, sealSecret } from "@qr3/webhooks";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { seedWorkspace } from "../../../test/fixtures.ts";
import { cronRun, FREQUENT, runCron } from "./cron.ts";
import { recordingQueue, runWebhookQueue, seedWebhook } from "./webhook-helpers.ts";

// Keys of this file's own: "k1" then "k2" stand for a production key and its successor.
const K1 = "k1:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
const K2 = "k2:AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
const withKeys = (keys: string | undefined) => ({ ...env, WEBHOOK_SECRETS_KEYS: keys }) as Env;

const received: Request[] = [];
let errors: { mock: { calls: unknown[][] } };
beforeEach(() => {
  received.length = 0;
  vi.stubGlobal("fetch", async (input: RequestInfo, init?: RequestInit) => {
    received.push(new Request(input, init));
    return new Response("ok");
  });
  errors = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());
afterEach(() => vi.unstubAllGlobals());

const logged = () => errors.mock.calls.map((c) => JSON.parse(String(c[0])) as Record<string, unknown>);

// Each test's workspace is on the next shard (seedWorkspace spreads them): its rows are read there.
let db: D1Database;
const workspace = async () => {
  const ws = await seedWorkspace(env);
  db = ws.db;
  return ws;
};
const stored = (id: string) => db.prepare("SELECT secret, previous_secret FROM webhooks WHERE id = ?1").bind(id).first<{ secret: string; previous_secret: string | null }>();
const deliveryRow = (id: string) => db.prepare("SELECT state, attempts, last_error FROM webhook_deliveries WHERE id = ?1").bind(id).first();
const setSecrets = (id: string, secret: string, previous: string | null = null, expires: string | null = previous && new Date(Date.now() + 3600_000).toISOString()) =>
  db.prepare("UPDATE webhooks SET secret = ?2, previous_secret = ?3, previous_secret_expires_at = ?4 WHERE id = ?1").bind(id, secret, previous, expires).run();

async function seedDelivery(webhook: { id: string; workspace_id: string; db: D1Database }) {
  const eventId = newId("evt");
  return (await insertDelivery(webhook.db, {
    id: newId("dlv"),
    webhook_id: webhook.id,
    workspace_id: webhook.workspace_id,
    event_id: eventId,
    event_type: "qr.scanned",
    payload: JSON.stringify({ id: eventId, type: "qr.scanned", created: new Date().toISOString(), data: {} }),
    redelivery_of: null,
    created_at: new Date().toISOString(),
  }))!;
}

const deliverMessage = (webhook: { id: string; shard: number }, deliveryId: string) => ({
  kind: "deliver",
  webhook_id: webhook.id,
  deliveries: [{ id: deliveryId, attempt: 1 }],
  shard: webhook.shard,
});

/** The request sent to `url`, verified against each secret; throws if any does not verify. */
async function expectSignedBy(request: Request, secrets: string[]) {
  const body = await request.clone().text();
  const headers = Object.fromEntries(request.headers);
  expect(headers["webhook-signature"]!.split(" ")).toHaveLength(secrets.length);
  for (const secret of secrets) expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
}

const cron = (keys: string | undefined, now = Date.now()) => runCron(withKeys(keys), FREQUENT, now);

describe("signing with sealed secrets", () => {
  it("opens the current and the previous secret to sign, both sealed", async () => {
    const ws = await workspace();
    const webhook = await seedWebhook(ws);
    const newer = generateSecret();
    const keyring = await loadKeyring(env.WEBHOOK_SECRETS_KEYS);
    await setSecrets(webhook.id, await sealSecret(keyring, webhook.id, newer), (await stored(webhook.id))!.secret);
    const d = await seedDelivery(webhook);
    const { result } = await runWebhookQueue([deliverMessage(webhook, d.id)]);
    expect(result.explicitAcks).toEqual(["w0"]);
    await expectSignedBy(received[0]!, [newer, webhook.secret]);
  });

  it("fails the deliveries of an altered or moved secret, with the reason logged, and sends the rest of the batch", async () => {
    const ws = await workspace();
    const [tampered, moved, healthy] = [await seedWebhook(ws, { url: "https://a.example.com/" }), await seedWebhook(ws, { url: "https://b.example.com/" }), await seedWebhook(ws, { url: "https://c.example.com/" })];
    // One bit of the ciphertext flipped.
    const sealed = (await stored(tampered.id))!.secret;
    const flipped = sealed.slice(0, -3) + (sealed.at(-3) === "A" ? "B" : "A") + sealed.slice(-2);
    await setSecrets(tampered.id, flipped);
    // Another webhook's sealed secret copied into this row.
    await setSecrets(moved.id, (await stored(healthy.id))!.secret);

    const [d1, d2, d3] = [await seedDelivery(tampered), await seedDelivery(moved), await seedDelivery(healthy)];
    const { result } = await runWebhookQueue([deliverMessage(tampered, d1.id), deliverMessage(moved, d2.id), deliverMessage(healthy, d3.id)]);
    expect(result.explicitAcks.sort()).toEqual(["w0", "w1", "w2"]);
    expect(result.retryMessages).toEqual([]);

    for (const d of [d1, d2]) expect(await deliveryRow(d.id)).toEqual({ state: "failed", attempts: 0, last_error: "signing secret unreadable" });
    expect(received.map((r) => r.url)).toEqual(["https://c.example.com/"]);
    await expectSignedBy(received[0]!, [healthy.secret]);
    expect(logged().filter((l) => l.event === "webhook_secret_unreadable").map((l) => [l.webhook_id, l.column, l.reason])).toEqual([
      [tampered.id, "secret", 'does not open under key "test-only" for this webhook'],
      [moved.id, "secret", 'does not open under key "test-only" for this webhook'],
    ]);
  });

  it("signs with the current secret alone when the previous one does not open, so a rotation mends an altered secret", async () => {
    const ws = await workspace();
    const webhook = await seedWebhook(ws);
    const sealed = (await stored(webhook.id))!.secret;
    const altered = sealed.slice(0, -3) + (sealed.at(-3) === "A" ? "B" : "A") + sealed.slice(-2);
    // As rotate-secret leaves it: the altered secret is now the previous one.
    const newer = generateSecret();
    await setSecrets(webhook.id, await sealSecret(await loadKeyring(env.WEBHOOK_SECRETS_KEYS), webhook.id, newer), altered);
    const d = await seedDelivery(webhook);
    await runWebhookQueue([deliverMessage(webhook, d.id)]);
    expect(await deliveryRow(d.id)).toEqual({ state: "succeeded", attempts: 1, last_error: null });
    await expectSignedBy(received[0]!, [newer]);
    expect(logged().filter((l) => l.event === "webhook_secret_unreadable")).toEqual([
      { event: "webhook_secret_unreadable", webhook_id: webhook.id, column: "previous_secret", reason: 'does not open under key "test-only" for this webhook' },
    ]);
  });

  it("still signs with a secret stored plain before secrets were sealed", async () => {
    const ws = await workspace();
    const [plain, marked] = [await seedWebhook(ws), await seedWebhook(ws)];
    const custom = "v1:a-plain-secret-of-my-own";
    await setSecrets(plain.id, plain.secret);
    // As migration 0010 marks a plain secret that could pass for a sealed one.
    await setSecrets(marked.id, `plain:${custom}`);
    const [d1, d2] = [await seedDelivery(plain), await seedDelivery(marked)];
    await runWebhookQueue([deliverMessage(plain, d1.id)]);
    await runWebhookQueue([deliverMessage(marked, d2.id)]);
    await expectSignedBy(received[0]!, [plain.secret]);
    const body = await received[1]!.text();
    expect(new Webhook(new TextEncoder().encode(custom) as unknown as string, { format: "raw" }).verify(body, Object.fromEntries(received[1]!.headers))).toBeTruthy();
  });

  it.each([
    ["missing", undefined],
    ["malformed", "test-only:c2hvcnQ="],
    ["without the key that sealed the secret", K1],
  ])("retries the message, sending and recording nothing, when the key is %s", async (_, keys) => {
    const ws = await workspace();
    const webhook = await seedWebhook(ws);
    const d = await seedDelivery(webhook);
    const { result } = await runWebhookQueue([deliverMessage(webhook, d.id)], recordingQueue(), withKeys(keys));
    expect(result.retryMessages).toEqual([{ msgId: "w0" }]);
    expect(received).toEqual([]);
    expect(await deliveryRow(d.id)).toEqual({ state: "pending", attempts: 0, last_error: null });
    const failure = logged().find((l) => l.event === "webhook_message_failed")!;
    expect(failure.error).toMatch(/^SecretsKeyError: WEBHOOK_SECRETS_KEYS( is not set|: entry 1 is not| has no key "test-only")/);
  });
});

describe("rotating the key that seals secrets", () => {
  it("opens old rows under the previous key, reseals every row under the current one by cron, then needs only that", async () => {
    const ws = await workspace();
    const [a, b, legacy] = [await seedWebhook(ws), await seedWebhook(ws), await seedWebhook(ws)];
    const k1 = await loadKeyring(K1);
    const [aPrevious, legacySecret] = [generateSecret(), generateSecret()];
    await setSecrets(a.id, await sealSecret(k1, a.id, a.secret), await sealSecret(k1, a.id, aPrevious));
    await setSecrets(b.id, await sealSecret(k1, b.id, b.secret));
    await setSecrets(legacy.id, legacySecret);

    // The new key first, the old one still listed: rows sealed under k1 still sign.
    const both = `${K2},${K1}`;
    const da = await seedDelivery(a);
    await runWebhookQueue([deliverMessage(a, da.id)], recordingQueue(), withKeys(both));
    await expectSignedBy(received[0]!, [a.secret, aPrevious]);

    await cron(both);
    for (const id of [a.id, b.id, legacy.id]) expect((await stored(id))!.secret).toMatch(/^v1:k2:/);
    expect((await stored(a.id))!.previous_secret).toMatch(/^v1:k2:/);
    expect((await stored(b.id))!.previous_secret).toBeNull();
    const k2 = await loadKeyring(K2);
    expect(await openSecret(k2, a.id, (await stored(a.id))!.previous_secret!)).toBe(aPrevious);

    // A second run finds nothing left and changes nothing.
    const before = await Promise.all([a.id, b.id, legacy.id].map(stored));
    await cron(both);
    expect(await Promise.all([a.id, b.id, legacy.id].map(stored))).toEqual(before);

    // The old key can go: everything signs with the new one alone.
    const [db, dl] = [await seedDelivery(b), await seedDelivery(legacy)];
    await runWebhookQueue([deliverMessage(b, db.id)], recordingQueue(), withKeys(K2));
    await runWebhookQueue([deliverMessage(legacy, dl.id)], recordingQueue(), withKeys(K2));
    expect(received).toHaveLength(3);
    await expectSignedBy(received[1]!, [b.secret]);
    await expectSignedBy(received[2]!, [legacySecret]);
  });

  it("forgets previous secrets past their 24 hours, and leaves rows that do not open as they are", async () => {
    const ws = await workspace();
    const [expired, broken, fine] = [await seedWebhook(ws), await seedWebhook(ws), await seedWebhook(ws)];
    const k1 = await loadKeyring(K1);
    await setSecrets(expired.id, await sealSecret(k1, expired.id, expired.secret), await sealSecret(k1, expired.id, generateSecret()), new Date(Date.now() - 1000).toISOString());
    await setSecrets(broken.id, await sealSecret(k1, fine.id, broken.secret));
    await setSecrets(fine.id, await sealSecret(k1, fine.id, fine.secret));

    await cron(`${K2},${K1}`);
    expect(await db.prepare("SELECT previous_secret, previous_secret_expires_at FROM webhooks WHERE id = ?1").bind(expired.id).first()).toEqual({
      previous_secret: null,
      previous_secret_expires_at: null,
    });
    expect((await stored(expired.id))!.secret).toMatch(/^v1:k2:/);
    expect((await stored(fine.id))!.secret).toMatch(/^v1:k2:/);
    expect((await stored(broken.id))!.secret).toMatch(/^v1:k1:/);
    // Rows of this file's other tests may be logged too: only this test's are looked at.
    const unreadable = logged().filter((l) => l.event === "webhook_secret_unreadable").map((l) => l.webhook_id);
    expect(unreadable).toContain(broken.id);
    expect(unreadable).not.toContain(fine.id);
    expect(unreadable).not.toContain(expired.id);
  });

  it("keeps a secret rotated between the cron's read and its write", async () => {
    const ws = await workspace();
    const webhook = await seedWebhook(ws);
    const read = (await stored(webhook.id))!;
    const rotated = await sealSecret(await loadKeyring(env.WEBHOOK_SECRETS_KEYS), webhook.id, generateSecret());
    await setSecrets(webhook.id, rotated, read.secret);
    const changed = await replaceSecrets(db, [{ was: { id: webhook.id, ...read }, now: { id: webhook.id, secret: "v1:stale", previous_secret: null } }]);
    expect(changed).toBe(0);
    expect(await stored(webhook.id)).toEqual({ secret: rotated, previous_secret: read.secret });
  });

  it("fails every shard's maintenance when the key is missing, after the rest of its work, for the queue to retry", async () => {
    // The rest of the run: an overdue outbox row is still sent on, before the resealing fails.
    const ws = await workspace();
    const outboxId = newId("obx");
    const longAgo = new Date(Date.now() - 3600_000).toISOString();
    await db.prepare("INSERT INTO webhook_outbox (id, workspace_id, scan_keys, due_at, created_at) VALUES (?1, ?2, '[]', ?3, ?3)").bind(outboxId, ws.id, longAgo).run();
    const queue = recordingQueue();
    const run = await cronRun({ ...withKeys(undefined), WEBHOOKS: queue.queue }, FREQUENT, Date.now());
    expect(run.error).toBeNull();
    expect(run.maintenance).toEqual(shardNumbers(env).map((shard) => ({ shard, outcome: "retried" })));
    const failures = logged().filter((l) => l.event === "maintenance_failed");
    expect(failures.map((l) => l.shard)).toEqual(shardNumbers(env));
    for (const failure of failures) expect(failure.error).toContain("WEBHOOK_SECRETS_KEYS is not set");
    expect(queue.sent.map((m) => m.body)).toContainEqual({ kind: "dispatch", outbox_id: outboxId, shard: ws.shard });
  });
});
