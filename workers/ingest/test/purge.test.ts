import { env } from "cloudflare:workers";
import { newId, retentionStart, shardDb } from "@qr3/core";
import { deleteWorkspace, deleteWorkspaceRecord, shardRetentions, SUMMARY_TABLES } from "@qr3/db";
import type { Plan, ScanRow } from "@qr3/schema";
import { expect, it } from "vitest";
import { purgeOldScans, PURGE_CHUNK } from "../src/purge.ts";
import { describeAtClocks } from "../../../test/clocks.ts";
import { seedCode, seedWorkspace, storeScanRows } from "../../../test/fixtures.ts";
import { DAILY, FREQUENT, runCron } from "./cron.ts";
import { recordingQueue } from "./webhook-helpers.ts";

const DAY = 86_400_000;

function row(code: { id: string; workspace_id: string }, ms: number): ScanRow {
  return {
    id: newId("scn", ms),
    code_id: code.id,
    workspace_id: code.workspace_id,
    country: "AT",
    region: null,
    city: null,
    device_type: "mobile",
    os: "iOS",
    browser: "Safari",
    referer: null,
    language: null,
    redirected_to: "https://example.com",
    ip_hash: null,
    scanned_at: new Date(ms).toISOString(),
    is_bot: 0,
  };
}

type Code = Awaited<ReturnType<typeof seedCode>>;
const dbOf = (c: { shard: number }) => shardDb(env, c.shard);

/** Stores scans of one code (or of codes of one shard) in their shard, and folds them. */
const store = (rows: ScanRow[], shard: number) => storeScanRows(shardDb(env, shard), rows);

const scansOf = async (code: Code) =>
  (await dbOf(code).prepare("SELECT scanned_at FROM scans WHERE code_id = ?1 ORDER BY scanned_at").bind(code.id).all<{ scanned_at: string }>()).results.map(
    (r) => r.scanned_at,
  );
const totalScans = async (code: Code) => dbOf(code).prepare("SELECT total_scans FROM codes WHERE id = ?1").bind(code.id).first("total_scans");

/** A code of a new workspace on the next shard, or on `shard`. */
async function codeOn(plan: Plan, enterpriseDays?: number, shard?: number) {
  const ws = await seedWorkspace(env, plan, plan, enterpriseDays, shard);
  return { ws, code: await seedCode(env, ws) };
}

/** The daily purge of a shard, as its maintenance runs it: with its workspaces' retentions from the control database. */
const purge = async (shard: number, now: number, budget?: number) => purgeOldScans(shardDb(env, shard), await shardRetentions(env.CONTROL, shard), now, budget);

describeAtClocks("purgeOldScans", ({ now: NOW }) => {
  it.each([
    ["free", 7, undefined],
    ["pro", 90, undefined],
    ["business", 365, undefined],
    ["agency", 365, undefined],
    ["enterprise", 30, 30],
  ] as const)("keeps a %s workspace's last %i UTC days, to the millisecond the API reads from", async (plan, days, custom) => {
    const { code } = await codeOn(plan, custom);
    const start = retentionStart(NOW, days);
    await store([row(code, start - 1), row(code, start), row(code, NOW - 1000), row(code, start - 40 * DAY)], code.shard);
    const report = await purge(code.shard, NOW);
    expect(report.complete).toBe(true);
    expect(await scansOf(code)).toEqual([new Date(start).toISOString(), new Date(NOW - 1000).toISOString()]);
    // The lifetime counter keeps every scan ever stored.
    expect(await totalScans(code)).toBe(4);
  });

  it("keeps each workspace of a shard to its own retention", async () => {
    const free = await codeOn("free");
    const pro = await codeOn("pro", undefined, free.ws.shard);
    const old = NOW - 30 * DAY;
    await store([row(free.code, old), row(free.code, NOW - 1000), row(pro.code, old)], free.ws.shard);
    const report = await purge(free.ws.shard, NOW);
    expect(report.expired_scans).toBe(1);
    expect(await scansOf(free.code)).toEqual([new Date(NOW - 1000).toISOString()]);
    expect(await scansOf(pro.code)).toEqual([new Date(old).toISOString()]);
  });

  it("deletes in bounded chunks, stops within its query budget, and finishes on the next run", async () => {
    const { code } = await codeOn("free");
    const old = NOW - 30 * DAY;
    await store(Array.from({ length: PURGE_CHUNK * 2 + 10 }, (_, i) => row(code, old + i)), code.shard);
    await store([row(code, NOW - 1000)], code.shard);

    const first = await purge(code.shard, NOW, 2);
    expect(first).toMatchObject({ complete: false, queries: 2, expired_scans: PURGE_CHUNK * 2 });
    expect((await scansOf(code)).length).toBe(11);

    const second = await purge(code.shard, NOW, 2);
    expect(second.expired_scans).toBe(10);
    const third = await purge(code.shard, NOW);
    expect(third).toMatchObject({ complete: true, expired_scans: 0 });
    expect((await scansOf(code)).length).toBe(1);
    expect(await totalScans(code)).toBe(PURGE_CHUNK * 2 + 11);
  });

  it("deletes the scans of deleted codes and workspaces, then their tombstones", async () => {
    const { ws, code } = await codeOn("business");
    const other = await seedCode(env, ws);
    const gone = await codeOn("pro", undefined, ws.shard);
    await store([row(code, NOW - DAY), row(other, NOW - DAY), row(gone.code, NOW - DAY)], ws.shard);
    await ws.db.batch([
      ws.db.prepare("DELETE FROM codes WHERE id = ?1").bind(code.id),
      ws.db.prepare("INSERT INTO deletions (kind, id, deleted_at) VALUES ('code', ?1, ?2)").bind(code.id, new Date(NOW).toISOString()),
    ]);
    // A workspace is deleted in its shard first (tombstones), then in the control database.
    await deleteWorkspace(ws.db, gone.ws.id, new Date(NOW).toISOString());
    await deleteWorkspaceRecord(env.CONTROL, gone.ws.id);
    const report = await purge(ws.shard, NOW);
    expect(report.deleted_scans).toBe(2);
    expect(await scansOf(code)).toEqual([]);
    expect(await scansOf(gone.code)).toEqual([]);
    expect(await scansOf(other)).toHaveLength(1);
    const left = await ws.db.prepare("SELECT count(*) AS n FROM deletions WHERE id IN (?1, ?2, ?3)").bind(code.id, gone.ws.id, gone.code.id).first("n");
    expect(left).toBe(0);
  });

  it("keeps the webhook delivery log for 30 days, and never drops a pending delivery", async () => {
    const { ws } = await codeOn("pro");
    const webhookId = newId("wh");
    await ws.db
      .prepare(
        "INSERT INTO webhooks (id, workspace_id, url, events, status, secret, created_at, updated_at) VALUES (?1, ?2, 'https://h.example.com', '[\"qr.scanned\"]', 'enabled', 'whsec_AAAA', ?3, ?3)",
      )
      .bind(webhookId, ws.id, new Date(NOW).toISOString())
      .run();
    const insert = (id: string, state: string) =>
      ws.db
        .prepare(
          "INSERT INTO webhook_deliveries (id, webhook_id, workspace_id, event_id, event_type, payload, state, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'qr.scanned', '{}', ?5, ?6, ?6)",
        )
        .bind(id, webhookId, ws.id, newId("evt"), state, new Date(NOW).toISOString());
    const [oldDone, oldPending, recent] = [newId("dlv", NOW - 31 * DAY), newId("dlv", NOW - 31 * DAY), newId("dlv", NOW - 29 * DAY)];
    await ws.db.batch([insert(oldDone, "succeeded"), insert(oldPending, "pending"), insert(recent, "failed")]);
    const report = await purge(ws.shard, NOW);
    expect(report.deliveries).toBe(1);
    const ids = (await ws.db.prepare("SELECT id FROM webhook_deliveries WHERE webhook_id = ?1").bind(webhookId).all<{ id: string }>()).results.map((r) => r.id);
    expect(ids.sort()).toEqual([oldPending, recent].sort());
  });

  it("takes the days it deletes off their month rows, so that a month it cuts into counts only the days it kept", async () => {
    const { ws, code } = await codeOn("free");
    // A scan a day for forty days, so the retention's first day (six days back) cuts into a month
    // or lies at its start, whatever today is.
    await store(Array.from({ length: 40 }, (_, i) => ({ ...row(code, NOW - i * DAY), country: i % 3 ? "AT" : "DE" })), code.shard);
    await purge(code.shard, NOW);
    const kept = await scansOf(code);
    expect(kept).toHaveLength(7);
    for (const scope of [code.id, ws.id]) {
      const months = await monthRowsAgainstDays(ws.db, scope);
      expect(months.length, scope).toBeGreaterThan(0);
      for (const m of months) expect(m, scope).toMatchObject({ scans: m.day_scans, bot_scans: m.day_bots });
      // No month row is left for a month without day rows, nor with nothing to count.
      expect(new Set(months.map((m) => m.month))).toEqual(new Set(kept.map((t) => t.slice(0, 7))));
      const cutMonth = kept[0]!.slice(0, 7);
      const countries = months.filter((m) => m.dim === "country" && m.month === cutMonth);
      expect(countries.reduce((n, m) => n + m.scans, 0)).toBe(kept.filter((t) => t.startsWith(cutMonth)).length);
      // Hours of the week alike: each month's row the sum of the quarter rows kept.
      const hours = await hourRowsAgainstQuarters(ws.db, scope);
      expect(new Set(hours.map((h) => h.month))).toEqual(new Set(kept.map((t) => t.slice(0, 7))));
      for (const h of hours) expect(h, scope).toMatchObject({ scans: h.quarter_scans, bot_scans: h.quarter_bots });
      expect(hours.filter((h) => h.month === cutMonth).reduce((n, h) => n + h.scans + h.bot_scans, 0)).toBe(kept.filter((t) => t.startsWith(cutMonth)).length);
    }
  });
});

interface MonthAgainstDays {
  dim: string;
  month: string;
  value: string;
  scans: number;
  bot_scans: number;
  day_scans: number | null;
  day_bots: number | null;
}

/** Each hour-of-the-week month row of a scope beside the sums of its month's quarter rows. */
async function hourRowsAgainstQuarters(db: D1Database, scope: string) {
  const { results } = await db
    .prepare(
      `SELECT h.month, h.how, h.scans, h.bot_scans, sum(q.scans) AS quarter_scans, sum(q.bot_scans) AS quarter_bots
       FROM scan_hour_months h LEFT JOIN scan_quarters q ON q.scope = h.scope AND strftime('%Y-%m', q.quarter * 900, 'unixepoch') = h.month
         AND ((q.quarter / 96 + 3) % 7) * 24 + q.quarter % 96 / 4 = h.how
       WHERE h.scope = ?1 GROUP BY h.month, h.how`,
    )
    .bind(scope)
    .all<{ month: string; how: number; scans: number; bot_scans: number; quarter_scans: number | null; quarter_bots: number | null }>();
  return results;
}

/** Each month row of a scope beside the sums of its month's day rows. */
async function monthRowsAgainstDays(db: D1Database, scope: string): Promise<MonthAgainstDays[]> {
  const { results } = await db
    .prepare(
      `SELECT m.dim, m.month, m.value, m.scans, m.bot_scans, sum(d.scans) AS day_scans, sum(d.bot_scans) AS day_bots
       FROM scan_dim_months m LEFT JOIN scan_dims d ON d.scope = m.scope AND d.dim = m.dim AND substr(d.day, 1, 7) = m.month AND d.value = m.value
       WHERE m.scope = ?1 GROUP BY m.dim, m.month, m.value`,
    )
    .bind(scope)
    .all<MonthAgainstDays>();
  return results;
}

/** A code's scans marked for the purge, as deleting the code leaves them. */
async function deleteCodeRow(code: Code, now: number) {
  const db = dbOf(code);
  await db.batch([
    db.prepare("DELETE FROM codes WHERE id = ?1").bind(code.id),
    db.prepare("INSERT INTO deletions (kind, id, deleted_at) VALUES ('code', ?1, ?2)").bind(code.id, new Date(now).toISOString()),
  ]);
}

describeAtClocks("the crons", ({ now: NOW }) => {
  const cron = (cron: string, scheduledTime: number) => runCron({ ...env, WEBHOOKS: recordingQueue().queue }, cron, scheduledTime);

  it("daily: purges a free workspace's scans eight days later, keeping total_scans and the month's usage", async () => {
    const { ws, code } = await codeOn("free");
    await store([row(code, NOW - 1000), row(code, NOW - 2000)], code.shard);
    await cron(DAILY, NOW + 8 * DAY);
    expect(await scansOf(code)).toEqual([]);
    expect(await totalScans(code)).toBe(2);
    const usage = await ws.db.prepare("SELECT scans FROM workspace_monthly_scans WHERE workspace_id = ?1").bind(ws.id).first("scans");
    expect(usage).toBe(2);
  });

  it("daily: purges every shard, each with its own workspaces' retentions", async () => {
    const free = [await codeOn("free"), await codeOn("free")];
    const pro = [await codeOn("pro", undefined, free[0]!.ws.shard), await codeOn("pro", undefined, free[1]!.ws.shard)];
    expect(free[0]!.ws.shard).not.toBe(free[1]!.ws.shard);
    for (const { code } of [...free, ...pro]) await store([row(code, NOW - 30 * DAY), row(code, NOW - 1000)], code.shard);
    await cron(DAILY, NOW);
    for (const { code } of free) expect(await scansOf(code)).toEqual([new Date(NOW - 1000).toISOString()]);
    for (const { code } of pro) expect(await scansOf(code)).toEqual([new Date(NOW - 30 * DAY).toISOString(), new Date(NOW - 1000).toISOString()]);
  });

  it("every five minutes: deletes scans of deleted codes, but leaves retention to the daily run", async () => {
    const { ws, code } = await codeOn("free");
    const kept = await seedCode(env, ws);
    await store([row(code, NOW - 1000), row(kept, NOW - 30 * DAY)], ws.shard);
    await deleteCodeRow(code, NOW);
    await cron(FREQUENT, NOW);
    expect(await scansOf(code)).toEqual([]);
    expect(await scansOf(kept)).toHaveLength(1);
  });

  it("folds the scans still waiting first, so a deleted code leaves no summary behind", async () => {
    const { code } = await codeOn("free");
    const db = dbOf(code);
    await storeScanRows(db, [row(code, NOW - 1000), row(code, NOW - 2000)], { fold: false });
    const waiting = async () => db.prepare("SELECT count(*) AS n FROM scan_tail WHERE code_id = ?1").bind(code.id).first("n");
    expect(await waiting()).toBe(2);
    await deleteCodeRow(code, NOW);
    await cron(FREQUENT, NOW);
    expect(await waiting()).toBe(0);
    expect(await scansOf(code)).toEqual([]);
    for (const table of SUMMARY_TABLES) {
      expect(await db.prepare(`SELECT count(*) AS n FROM ${table} WHERE scope = ?1`).bind(code.id).first("n"), table).toBe(0);
    }
    expect(await db.prepare("SELECT count(*) AS n FROM deletions WHERE id = ?1").bind(code.id).first("n")).toBe(0);
  });
});
