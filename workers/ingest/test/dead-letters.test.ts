import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { shardDb } from "@qr3/core";
import { markDeadLettersForReplay, type DeadLetterRow } from "@qr3/db";
import { beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../src/index.ts";
import { scanMessage, seedCode, seedWorkspace } from "../../../test/fixtures.ts";
import { DAILY, FREQUENT as FREQUENT_CRON, runCron } from "./cron.ts";
import { refusingBatches } from "./databases.ts";
import { countOnShards } from "./shard-rows.ts";

let code: Awaited<ReturnType<typeof seedCode>>;
beforeEach(async () => {
  await env.CONTROL.prepare("DELETE FROM dead_letters").run();
  code = await seedCode(env, await seedWorkspace(env));
});

async function deliver(queue: string, bodies: unknown[], testEnv: Env = env, attempts = 1, ids = bodies.map((_, i) => `dlq-${i}`)) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: ids[i]!, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, testEnv, ctx);
  return getQueueResult(batch, ctx);
}

// Dead letters are parked in the control database: a pack may hold scans of several shards.
const parked = async () =>
  (await env.CONTROL.prepare("SELECT * FROM dead_letters ORDER BY message_id").all<DeadLetterRow>()).results;

/** How many times a scan is stored, in any shard. */
const countScans = (id: string) => countOnShards("SELECT count(*) AS n FROM scans WHERE id = ?1", id);

describe("dead-letter consumers", () => {
  it("park each scan dead letter with its body as JSON, then ack it", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const messages = [scanMessage(code), scanMessage(code)];
    const result = await deliver("qr3-scans-dlq", messages, env, 2);
    expect(result.explicitAcks.sort()).toEqual(["dlq-0", "dlq-1"]);
    expect(result.retryMessages).toEqual([]);
    const rows = await parked();
    expect(rows).toEqual(
      messages.map((m, i) => ({
        queue: "qr3-scans",
        message_id: `dlq-${i}`,
        body: JSON.stringify(m),
        format: "json",
        attempts: 2,
        reason: null,
        parked_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        replay_requested_at: null,
        replayed_at: null,
      })),
    );
    // The log names message ids, never a body's fields.
    const logged = warn.mock.calls.map((c) => String(c[0])).join("\n");
    expect(logged).toContain("dead_letters_parked");
    expect(logged).not.toContain(messages[0]!.scan_id);
    warn.mockRestore();
  });

  it("park malformed bodies too, saying why they can never succeed, and lose none", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    let deep: unknown = "bottom";
    for (let i = 0; i < 200; i++) deep = [deep];
    const bodies: unknown[] = [
      "not an object",
      null,
      { ...scanMessage(code), scan_id: "nope" },
      new TextEncoder().encode("raw bytes").buffer,
      new Map([["a", 1]]),
      { when: new Date(0), n: 10n },
      deep,
    ];
    const result = await deliver("qr3-scans-dlq", bodies);
    expect(result.explicitAcks).toHaveLength(bodies.length);
    const rows = await parked();
    expect(rows.map((r) => [r.format, r.body.slice(0, 60)])).toEqual([
      ["json", '"not an object"'],
      ["json", "null"],
      ["json", expect.stringContaining('"scan_id":"nope"')],
      ["bytes", JSON.stringify(btoa("raw bytes"))],
      ["lossy", '[["a",1]]'],
      ["lossy", '{"when":"1970-01-01T00:00:00.000Z","n":"10"}'],
      ["lossy", "[".repeat(60)],
    ]);
    for (const row of rows) expect(row.reason).toMatch(/not a valid qr3-scans message \(.+\)/);
    expect(rows[2]!.reason).toContain("scan_id: invalid_format");
    expect(rows[4]!.reason).toContain("body is not plain JSON");
    vi.restoreAllMocks();
  });

  it("park a dead letter delivered twice once", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const message = scanMessage(code);
    await deliver("qr3-scans-dlq", [message]);
    const again = await deliver("qr3-scans-dlq", [message], env, 2);
    expect(again.explicitAcks).toEqual(["dlq-0"]);
    expect(await parked()).toEqual([expect.objectContaining({ message_id: "dlq-0", attempts: 1 })]);
    vi.restoreAllMocks();
  });

  it("retry the whole batch with backoff, acking nothing, while D1 fails", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const failingControl = refusingBatches(env.CONTROL, "D1_ERROR: database is locked: SQLITE_BUSY");
    const result = await deliver("qr3-webhooks-dlq", [{ kind: "dispatch", outbox_id: "obx_x" }, "junk"], { ...env, CONTROL: failingControl }, 3);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId).sort()).toEqual(["dlq-0", "dlq-1"]);
    expect(await parked()).toEqual([]);
    expect(errors.mock.calls.map((c) => String(c[0])).join("\n")).toContain("dead_letter_park_failed");
    vi.restoreAllMocks();
  });

  it("park webhook dead letters under the webhooks queue", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const body = { kind: "deliver", webhook_id: "wh_01jd0000000000000000000000", deliveries: [{ id: "dlv_01jd0000000000000000000000", attempt: 3 }] };
    await deliver("qr3-webhooks-dlq", [body]);
    expect(await parked()).toEqual([expect.objectContaining({ queue: "qr3-webhooks", body: JSON.stringify(body), format: "json" })]);
    vi.restoreAllMocks();
  });
});

describe("replay", () => {
  it("sends marked rows back to their queue on the frequent cron, where each scan is stored once", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.spyOn(console, "log").mockImplementation(() => {});
    const messages = [scanMessage(code), scanMessage(code), scanMessage(code)];
    await deliver("qr3-scans-dlq", messages);
    // One of them was stored after all (its ack was lost): replaying it must not count it twice.
    await deliver("qr3-scans", [messages[0]]);
    expect(await countScans(messages[0]!.scan_id)).toBe(1);

    const now = Date.now();
    // Only what is marked goes back.
    await markDeadLettersForReplay(env.CONTROL, "qr3-scans", ["dlq-0", "dlq-1"], new Date(now).toISOString());
    await runCron(env, FREQUENT_CRON, now);
    const rows = await parked();
    expect(rows.map((r) => [r.message_id, r.replayed_at])).toEqual([
      ["dlq-0", new Date(now).toISOString()],
      ["dlq-1", new Date(now).toISOString()],
      ["dlq-2", null],
    ]);

    // The real queue delivers them to this worker's scans consumer.
    await vi.waitFor(async () => expect(await countScans(messages[1]!.scan_id)).toBe(1), { timeout: 10_000, interval: 100 });
    expect(await countScans(messages[0]!.scan_id)).toBe(1);
    expect(await countScans(messages[2]!.scan_id)).toBe(0);
    const total = await shardDb(env, code.shard).prepare("SELECT total_scans FROM codes WHERE id = ?1").bind(code.id).first<{ total_scans: number }>();
    expect(total!.total_scans).toBe(2);

    // A second run finds nothing left to send.
    await runCron(env, FREQUENT_CRON, now + 300_000);
    expect((await parked())[0]!.replayed_at).toBe(new Date(now).toISOString());
    vi.restoreAllMocks();
  });

  it("parks a pack holding scans of several shards once, and its replay stores each scan in its own shard", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.spyOn(console, "log").mockImplementation(() => {});
    const other = await seedCode(env, await seedWorkspace(env));
    expect(other.shard).not.toBe(code.shard);
    const scans = [scanMessage(code), scanMessage(other), scanMessage(other)];
    await deliver("qr3-scans-dlq", [{ scans }]);
    expect(await parked()).toEqual([expect.objectContaining({ queue: "qr3-scans", message_id: "dlq-0", body: JSON.stringify({ scans }), reason: null })]);

    const now = Date.now();
    await markDeadLettersForReplay(env.CONTROL, "qr3-scans", ["dlq-0"], new Date(now).toISOString());
    await runCron(env, FREQUENT_CRON, now);
    await vi.waitFor(async () => expect(await Promise.all(scans.map((m) => countScans(m.scan_id)))).toEqual([1, 1, 1]), { timeout: 10_000, interval: 100 });
    const inShard = (c: { id: string; shard: number }) =>
      shardDb(env, c.shard).prepare("SELECT count(*) AS n, (SELECT total_scans FROM codes WHERE id = ?1) AS total FROM scans WHERE code_id = ?1").bind(c.id).first();
    expect(await inShard(code)).toEqual({ n: 1, total: 1 });
    expect(await inShard(other)).toEqual({ n: 2, total: 2 });
    vi.restoreAllMocks();
  });

  it("leaves marked rows to the frequent cron: the daily one does not send them", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.spyOn(console, "log").mockImplementation(() => {});
    await deliver("qr3-scans-dlq", [scanMessage(code)]);
    const now = Date.now();
    await markDeadLettersForReplay(env.CONTROL, null, null, new Date(now).toISOString());
    await runCron(env, DAILY, now);
    expect((await parked())[0]!.replayed_at).toBeNull();
    vi.restoreAllMocks();
  });

  it("takes back the mark of a row no queue would take, so that it holds up no other", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.spyOn(console, "log").mockImplementation(() => {});
    const now = Date.now();
    // Over the 128 KB a message may hold: no queue takes it.
    await env.CONTROL.prepare(
      `INSERT INTO dead_letters (queue, message_id, body, format, attempts, reason, parked_at)
       VALUES ('qr3-scans', 'huge', ?1, 'lossy', 1, 'body is not plain JSON', ?2)`,
    )
      .bind(JSON.stringify("x".repeat(130_000)), new Date(now - 60_000).toISOString())
      .run();
    const message = scanMessage(code);
    await deliver("qr3-scans-dlq", [message]);
    await markDeadLettersForReplay(env.CONTROL, null, null, new Date(now).toISOString());

    await runCron(env, FREQUENT_CRON, now);
    expect((await parked()).map((r) => [r.message_id, r.replay_requested_at, r.replayed_at])).toEqual([
      ["dlq-0", new Date(now).toISOString(), new Date(now).toISOString()],
      ["huge", null, null],
    ]);
    expect(errors.mock.calls.map((c) => String(c[0])).join("\n")).toContain('{"event":"dead_letter_not_replayable","message_ids":["huge"]}');
    await vi.waitFor(async () => expect(await countScans(message.scan_id)).toBe(1), { timeout: 10_000, interval: 100 });
    vi.restoreAllMocks();
  });

  it("sends more than a round in bounded batches, and deletes rows replayed over 30 days ago", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.spyOn(console, "log").mockImplementation(() => {});
    const now = Date.now();
    const bodies = Array.from({ length: 150 }, (_, i) => ({ kind: "dispatch", outbox_id: `obx_${String(i).padStart(26, "0")}` }));
    await deliver("qr3-webhooks-dlq", bodies.slice(0, 100), env, 1, bodies.slice(0, 100).map((_, i) => `w-${i}`));
    await deliver("qr3-webhooks-dlq", bodies.slice(100), env, 1, bodies.slice(100).map((_, i) => `w-${100 + i}`));
    await env.CONTROL.prepare(
      `INSERT INTO dead_letters (queue, message_id, body, format, attempts, reason, parked_at, replay_requested_at, replayed_at)
       VALUES ('qr3-scans', 'old', 'null', 'json', 1, NULL, ?1, ?1, ?1), ('qr3-scans', 'recent', 'null', 'json', 1, NULL, ?2, ?2, ?2)`,
    )
      .bind(new Date(now - 31 * 86_400_000).toISOString(), new Date(now - 29 * 86_400_000).toISOString())
      .run();
    await markDeadLettersForReplay(env.CONTROL, "qr3-webhooks", null, new Date(now).toISOString());
    await runCron(env, FREQUENT_CRON, now);
    const rows = await parked();
    expect(rows.filter((r) => r.queue === "qr3-webhooks" && r.replayed_at !== null)).toHaveLength(150);
    expect(rows.filter((r) => r.queue === "qr3-scans").map((r) => r.message_id)).toEqual(["recent"]);
    vi.restoreAllMocks();
  });
});
