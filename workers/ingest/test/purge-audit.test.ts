// The daily purge of what the API keeps for a while only: audit log entries past 90 days and
// Idempotency-Key records past their expiry, in bounded chunks, reported in the run's log line.
import { env } from "cloudflare:workers";
import { DAY_MS, newId, shardDb, shardNumbers } from "@qr3/core";
import { auditEntry, claimIdempotencyKey, shardRetentions } from "@qr3/db";
import { AUDIT_RETENTION_DAYS } from "@qr3/schema/api";
import { beforeEach, expect, it, vi } from "vitest";
import { describeAtClocks } from "../../../test/clocks.ts";
import { seedWorkspace } from "../../../test/fixtures.ts";
import { purgeOldScans, PURGE_CHUNK } from "../src/purge.ts";
import { DAILY, FREQUENT, runCron } from "./cron.ts";

type Workspace = Awaited<ReturnType<typeof seedWorkspace>>;

/** An entry as the API writes one, made at `ms`. */
const entry = (ws: Workspace, ms: number) =>
  auditEntry(ws.db, {
    id: newId("aud", ms),
    workspace_id: ws.id,
    created_at: new Date(ms).toISOString(),
    action: "code.updated",
    resource_type: "code",
    resource_id: newId("qr", ms),
    api_key_id: "key_test",
    api_key_name: "Test key",
    request_id: newId("req", ms),
    before: { url: "https://example.com/a" },
    after: { url: "https://example.com/b" },
  });

/** A record as a request claims one at `ms`, answered or not. */
async function record(ws: Workspace, ms: number, key = crypto.randomUUID()) {
  await claimIdempotencyKey(ws.db, {
    api_key_id: "key_test",
    idempotency_key: key,
    workspace_id: ws.id,
    fingerprint: "f".repeat(64),
    request_id: newId("req", ms),
    now: new Date(ms).toISOString(),
    locked_until: new Date(ms + 60_000).toISOString(),
    expires_at: new Date(ms + DAY_MS).toISOString(),
  });
  return key;
}

const ids = async (ws: Workspace) =>
  (await ws.db.prepare("SELECT id FROM audit_log WHERE workspace_id = ?1 ORDER BY id").bind(ws.id).all<{ id: string }>()).results.map((r) => r.id);
const keys = async (ws: Workspace) =>
  (await ws.db.prepare("SELECT idempotency_key FROM idempotency_keys WHERE workspace_id = ?1 ORDER BY idempotency_key").bind(ws.id).all<{ idempotency_key: string }>())
    .results.map((r) => r.idempotency_key);

const purge = async (ws: Workspace, now: number, budget?: number) => purgeOldScans(ws.db, await shardRetentions(env.CONTROL, ws.shard), now, budget);

describeAtClocks("the daily purge of the audit log and Idempotency-Key records", ({ now }) => {
  // The file's databases are shared by its tests: what one clock's test kept, a later clock purges.
  beforeEach(async () => {
    for (const n of shardNumbers(env)) {
      const db = shardDb(env, n);
      await db.batch([db.prepare("DELETE FROM audit_log"), db.prepare("DELETE FROM idempotency_keys")]);
    }
  });

  it(`deletes entries older than ${AUDIT_RETENTION_DAYS} days, to the millisecond the API reads from`, async () => {
    const ws = await seedWorkspace(env);
    const horizon = now - AUDIT_RETENTION_DAYS * DAY_MS;
    const [older, oldest] = [entry(ws, horizon - 1), entry(ws, horizon - 40 * DAY_MS)];
    const [kept, recent] = [entry(ws, horizon), entry(ws, now - 1000)];
    await ws.db.batch([older, oldest, kept, recent]);
    const keptIds = (await ids(ws)).slice(2);
    const report = await purge(ws, now);
    expect(report).toMatchObject({ complete: true, audit_entries: 2 });
    expect(await ids(ws)).toEqual(keptIds);
  });

  it("deletes Idempotency-Key records past their expiry, whether answered or not", async () => {
    const ws = await seedWorkspace(env);
    await record(ws, now - DAY_MS - 1, "expired");
    await record(ws, now - DAY_MS, "expires-now");
    await record(ws, now - DAY_MS + 1, "live");
    await record(ws, now - 1000, "recent");
    const report = await purge(ws, now);
    expect(report.idempotency_keys).toBe(2);
    expect(await keys(ws)).toEqual(["live", "recent"]);
  });

  it("deletes in bounded chunks and finishes on the next run", async () => {
    const ws = await seedWorkspace(env);
    const old = now - (AUDIT_RETENTION_DAYS + 10) * DAY_MS;
    const statements = Array.from({ length: PURGE_CHUNK + 10 }, (_, i) => entry(ws, old + i));
    for (let i = 0; i < statements.length; i += 500) await ws.db.batch(statements.slice(i, i + 500));
    const first = await purge(ws, now);
    expect(first.audit_entries).toBe(PURGE_CHUNK + 10);
    expect(first.queries).toBeGreaterThan(1);
    // A run whose budget is spent before the audit log leaves it for the next.
    await ws.db.batch([entry(ws, old), entry(ws, old + 1)]);
    const starved = await purge(ws, now, 1);
    expect(starved).toMatchObject({ complete: false, audit_entries: 0 });
    expect((await purge(ws, now)).audit_entries).toBe(2);
    expect(await ids(ws)).toEqual([]);
  });

  it("runs in the daily cron only, and says what it deleted in the run's log line", async () => {
    const ws = await seedWorkspace(env);
    await ws.db.batch([entry(ws, now - (AUDIT_RETENTION_DAYS + 1) * DAY_MS)]);
    await record(ws, now - 2 * DAY_MS);
    const logs = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      await runCron(env, FREQUENT, now);
      expect(await ids(ws)).toHaveLength(1);
      await runCron(env, DAILY, now);
      const finished = logs.mock.calls
        .map((c) => JSON.parse(String(c[0])))
        .filter((l) => l.event === "maintenance_finished" && l.shard === ws.shard && l.cron === DAILY);
      expect(finished).toHaveLength(1);
      expect(finished[0].purge).toMatchObject({ audit_entries: 1, idempotency_keys: 1 });
    } finally {
      logs.mockRestore();
    }
    expect(await ids(ws)).toEqual([]);
    expect(await keys(ws)).toEqual([]);
  });
});
