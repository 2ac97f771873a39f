import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { DAY_MS, linkKey, newId, saltKey, shardDb, shardNumbers, utcDate } from "@qr3/core";
import { generateSecret } from "@qr3/webhooks";
import { describe, expect, it, vi } from "vitest";
import { describeAtClocks } from "../../../test/clocks.ts";
import { scanRow, seedCode, seedWorkspace, storeScanRows } from "../../../test/fixtures.ts";
import worker from "../src/index.ts";
import { cronRun, DAILY, deliverMaintenance, FREQUENT } from "./cron.ts";
import { unreachable, withShard } from "./databases.ts";
import { recordingQueue, seedWebhook } from "./webhook-helpers.ts";

/** The scheduled handler alone: the salts are its own work, not a shard's (the maintenance messages are only recorded). */
const scheduled = (cron: string, scheduledTime: number) =>
  worker.scheduled(createScheduledController({ scheduledTime, cron }), { ...env, MAINTENANCE: recordingQueue().queue });

describeAtClocks("daily cron", ({ now }) => {
  it("writes tomorrow's salt ahead of time, and today's if missing, without replacing either", async () => {
    const [today, tomorrow] = [saltKey(utcDate(now)), saltKey(utcDate(now + DAY_MS))];
    await env.SALTS.put(today, "f".repeat(64));
    await env.SALTS.delete(tomorrow);
    await scheduled(DAILY, now);
    expect(await env.SALTS.get(today)).toBe("f".repeat(64));
    const written = await env.SALTS.get(tomorrow);
    expect(written).toMatch(/^[0-9a-f]{64}$/);
    const { keys } = await env.SALTS.list({ prefix: tomorrow });
    expect(keys[0]!.expiration! * 1000).toBe(Date.parse(`${utcDate(now + DAY_MS)}T00:00:00.000Z`) + DAY_MS);

    await scheduled(DAILY, now + 60_000);
    expect(await env.SALTS.get(tomorrow)).toBe(written);
  });

  it("writes today's salt when the run finds it missing", async () => {
    const today = saltKey(utcDate(now));
    await env.SALTS.delete(today);
    await scheduled(DAILY, now);
    expect(await env.SALTS.get(today)).toMatch(/^[0-9a-f]{64}$/);
  });
});

/**
 * In one shard: a free workspace (7 days kept) with a scan past retention, scans still waiting to
 * be folded, a deleted code's scan, a code whose KV write was lost, an overdue outbox row and a
 * webhook secret stored plain: the work of a maintenance run.
 */
async function seedShardWork(shard: number, now: number) {
  const ws = await seedWorkspace(env, "free", `Shard ${shard}`, undefined, shard);
  const db = ws.db;
  const [code, deleted] = [await seedCode(env, ws), await seedCode(env, ws)];
  await storeScanRows(db, [scanRow(code, new Date(now - 30 * DAY_MS).toISOString()), scanRow(deleted, new Date(now - 1000).toISOString())]);
  await storeScanRows(db, [scanRow(code, new Date(now - 1000).toISOString())], { fold: false });
  await db.batch([
    db.prepare("DELETE FROM codes WHERE id = ?1").bind(deleted.id),
    db.prepare("INSERT INTO deletions (kind, id, deleted_at) VALUES ('code', ?1, ?2)").bind(deleted.id, new Date(now).toISOString()),
    db.prepare("UPDATE link_syncs SET changed_at = ?2 WHERE short_code = ?1").bind(code.short_code, new Date(now - 10 * 60_000).toISOString()),
  ]);
  const webhook = await seedWebhook(ws);
  await db.prepare("UPDATE webhooks SET secret = ?2 WHERE id = ?1").bind(webhook.id, generateSecret()).run();
  const outboxId = newId("obx");
  const longAgo = new Date(now - 3600_000).toISOString();
  await db.prepare("INSERT INTO webhook_outbox (id, workspace_id, scan_keys, due_at, created_at) VALUES (?1, ?2, '[]', ?3, ?3)").bind(outboxId, ws.id, longAgo).run();
  return { shard, db, code, deleted, webhook, outboxId, longAgo };
}

type ShardWork = Awaited<ReturnType<typeof seedShardWork>>;

/** What of a shard's work is still to do. */
async function workLeft(w: ShardWork) {
  const n = (sql: string, ...params: unknown[]) => w.db.prepare(sql).bind(...params).first<number>("n");
  return {
    waiting: await n("SELECT count(*) AS n FROM scan_tail WHERE code_id = ?1", w.code.id),
    expired: await n("SELECT count(*) AS n FROM scans WHERE code_id = ?1 AND scanned_at < ?2", w.code.id, new Date(Date.now() - 20 * DAY_MS).toISOString()),
    deletedScans: await n("SELECT count(*) AS n FROM scans WHERE code_id = ?1", w.deleted.id),
    linkMissing: (await env.LINKS.get(linkKey(w.code.short_code))) === null,
    // Not yet claimed by a sweep (which moves its due time).
    outbox: await n("SELECT count(*) AS n FROM webhook_outbox WHERE id = ?1 AND due_at = ?2", w.outboxId, w.longAgo),
    plainSecret: !(await w.db.prepare("SELECT secret FROM webhooks WHERE id = ?1").bind(w.webhook.id).first<string>("secret"))!.startsWith("v1:"),
  };
}

const ALL_LEFT = { waiting: 1, expired: 1, deletedScans: 1, linkMissing: true, outbox: 1, plainSecret: true };

describe("maintenance fan-out", () => {
  it("sends one maintenance message per shard, with the cron and its scheduled time, for either cron, and touches no shard itself", async () => {
    const now = Date.now();
    // Every shard unreachable: the cron's own invocation needs none of them.
    const noShards = shardNumbers(env).reduce((e, n) => withShard(e, n, unreachable(`shard ${n} touched by the cron's own run`)), env);
    for (const cron of [DAILY, FREQUENT]) {
      const maintenance = recordingQueue();
      await worker.scheduled(createScheduledController({ scheduledTime: now, cron }), { ...noShards, MAINTENANCE: maintenance.queue });
      expect(maintenance.sent).toEqual(shardNumbers(env).map((shard) => ({ body: { kind: "maintenance", shard, cron, scheduled_time: now }, delaySeconds: undefined })));
    }
  });

  it("runs in each message only its own shard's work", async () => {
    const now = Date.now();
    const work = await Promise.all(shardNumbers(env).map((n) => seedShardWork(n, now)));
    const before = await Promise.all(work.map(workLeft));
    for (const left of before) expect(left).toEqual(ALL_LEFT);
    const webhooks = recordingQueue();
    const testEnv = { ...env, WEBHOOKS: webhooks.queue };

    // Shard 2's frequent run: fold, scans of deleted codes, link sweep, webhook sweep, resealing.
    expect(await deliverMaintenance(testEnv, { kind: "maintenance", shard: 2, cron: FREQUENT, scheduled_time: now })).toBe("acked");
    const after = await Promise.all(work.map(workLeft));
    expect(after[2]).toEqual({ waiting: 0, expired: 1, deletedScans: 0, linkMissing: false, outbox: 0, plainSecret: false });
    for (const n of [0, 1, 3]) expect(after[n], `shard ${n}`).toEqual(before[n]);
    expect(webhooks.sent.map((m) => m.body)).toEqual([{ kind: "dispatch", outbox_id: work[2]!.outboxId, shard: 2 }]);

    // Shard 1's daily run: the purge by retention, in shard 1 alone.
    expect(await deliverMaintenance(testEnv, { kind: "maintenance", shard: 1, cron: DAILY, scheduled_time: now })).toBe("acked");
    const daily = await Promise.all(work.map(workLeft));
    // The link sweep is the frequent run's alone.
    expect(daily[1]).toEqual({ waiting: 0, expired: 0, deletedScans: 0, linkMissing: true, outbox: 0, plainSecret: false });
    for (const n of [0, 3]) expect(daily[n], `shard ${n}`).toEqual(before[n]);
    expect(daily[2]).toEqual(after[2]);
  });

  it("retries the maintenance of a shard that fails, while the other shards' runs are done", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const now = Date.now();
      const work = await Promise.all(shardNumbers(env).map((n) => seedShardWork(n, now)));
      const before = await workLeft(work[3]!);
      const run = await cronRun(withShard({ ...env, WEBHOOKS: recordingQueue().queue }, 3, unreachable("D1_ERROR: shard 3 is unavailable")), FREQUENT, now);
      expect(run.error).toBeNull();
      expect(run.maintenance).toEqual(shardNumbers(env).map((shard) => ({ shard, outcome: shard === 3 ? "retried" : "acked" })));
      for (const w of work.slice(0, 3)) expect(await workLeft(w)).toMatchObject({ waiting: 0, deletedScans: 0, linkMissing: false, outbox: 0 });
      expect(await workLeft(work[3]!)).toEqual(before);
      const failed = errors.mock.calls.map((c) => JSON.parse(String(c[0]))).filter((l) => l.event === "maintenance_failed");
      expect(failed).toEqual([expect.objectContaining({ shard: 3, cron: FREQUENT, error: expect.stringContaining("shard 3 is unavailable") })]);

      // The retry, once the shard is back, does its work.
      expect(await deliverMaintenance({ ...env, WEBHOOKS: recordingQueue().queue }, run.sent[3])).toBe("acked");
      expect(await workLeft(work[3]!)).toMatchObject({ waiting: 0, deletedScans: 0, linkMissing: false, outbox: 0 });
    } finally {
      errors.mockRestore();
    }
  });

  it("acks and logs a maintenance message that is not one", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(await deliverMaintenance(env, { kind: "maintenance", shard: -1, cron: FREQUENT, scheduled_time: Date.now() })).toBe("acked");
      expect(await deliverMaintenance(env, "nope")).toBe("acked");
      const logged = errors.mock.calls.map((c) => JSON.parse(String(c[0])));
      expect(logged.map((l) => l.event)).toEqual(["maintenance_message_invalid", "maintenance_message_invalid"]);
      expect(logged[0].issues).toEqual(["shard: too_small"]);
    } finally {
      errors.mockRestore();
    }
  });

  // Last in this file: the runs it starts go on through the local queue with the project's bindings.
  it("carries each shard's run through the maintenance queue to this worker", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const now = Date.now();
      const work = await Promise.all(shardNumbers(env).map((n) => seedShardWork(n, now)));
      await worker.scheduled(createScheduledController({ scheduledTime: now, cron: FREQUENT }), env);
      await vi.waitFor(
        async () => {
          for (const w of work) expect(await workLeft(w)).toMatchObject({ waiting: 0, deletedScans: 0, linkMissing: false, plainSecret: false });
        },
        { timeout: 10_000, interval: 100 },
      );
    } finally {
      vi.restoreAllMocks();
    }
  });
});
