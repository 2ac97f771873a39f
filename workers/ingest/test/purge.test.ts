import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { newId, retentionStart } from "@qr3/core";
import type { Plan, ScanRow } from "@qr3/schema";
import { describe, expect, it } from "vitest";
import worker from "../src/index.ts";
import { purgeOldScans, PURGE_CHUNK } from "../src/purge.ts";
import { describeAtClocks } from "../../../test/clocks.ts";
import { seedCode, seedWorkspace, storeScanRows } from "../../../test/fixtures.ts";
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

const store = (rows: ScanRow[]) => storeScanRows(env.DB, rows);

const scansOf = async (codeId: string) =>
  (await env.DB.prepare("SELECT scanned_at FROM scans WHERE code_id = ?1 ORDER BY scanned_at").bind(codeId).all<{ scanned_at: string }>()).results.map(
    (r) => r.scanned_at,
  );
const totalScans = async (codeId: string) => env.DB.prepare("SELECT total_scans FROM codes WHERE id = ?1").bind(codeId).first("total_scans");

async function codeOn(plan: Plan, enterpriseDays?: number) {
  const ws = await seedWorkspace(env.DB, plan, plan, enterpriseDays);
  return { ws, code: await seedCode(env.DB, ws.id) };
}

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
    await store([row(code, start - 1), row(code, start), row(code, NOW - 1000), row(code, start - 40 * DAY)]);
    const report = await purgeOldScans(env.DB, NOW);
    expect(report.complete).toBe(true);
    expect(await scansOf(code.id)).toEqual([new Date(start).toISOString(), new Date(NOW - 1000).toISOString()]);
    // The lifetime counter keeps every scan ever stored.
    expect(await totalScans(code.id)).toBe(4);
  });

  it("deletes in bounded chunks, stops within its query budget, and finishes on the next run", async () => {
    const { code } = await codeOn("free");
    const old = NOW - 30 * DAY;
    await store(Array.from({ length: PURGE_CHUNK * 2 + 10 }, (_, i) => row(code, old + i)));
    await store([row(code, NOW - 1000)]);

    const first = await purgeOldScans(env.DB, NOW, 2);
    expect(first).toMatchObject({ complete: false, queries: 2, expired_scans: PURGE_CHUNK * 2 });
    expect((await scansOf(code.id)).length).toBe(11);

    const second = await purgeOldScans(env.DB, NOW, 2);
    expect(second.expired_scans).toBe(10);
    const third = await purgeOldScans(env.DB, NOW);
    expect(third).toMatchObject({ complete: true, expired_scans: 0 });
    expect((await scansOf(code.id)).length).toBe(1);
    expect(await totalScans(code.id)).toBe(PURGE_CHUNK * 2 + 11);
  });

  it("deletes the scans of deleted codes and workspaces, then their tombstones", async () => {
    const { ws, code } = await codeOn("business");
    const other = await seedCode(env.DB, ws.id);
    const gone = await codeOn("pro");
    await store([row(code, NOW - DAY), row(other, NOW - DAY), row(gone.code, NOW - DAY)]);
    await env.DB.batch([
      env.DB.prepare("DELETE FROM codes WHERE id = ?1").bind(code.id),
      env.DB.prepare("INSERT INTO deletions (kind, id, deleted_at) VALUES ('code', ?1, ?2), ('workspace', ?3, ?2)").bind(
        code.id,
        new Date(NOW).toISOString(),
        gone.ws.id,
      ),
      env.DB.prepare("DELETE FROM workspaces WHERE id = ?1").bind(gone.ws.id),
    ]);
    const report = await purgeOldScans(env.DB, NOW);
    expect(report.deleted_scans).toBe(2);
    expect(await scansOf(code.id)).toEqual([]);
    expect(await scansOf(gone.code.id)).toEqual([]);
    expect(await scansOf(other.id)).toHaveLength(1);
    const left = await env.DB.prepare("SELECT count(*) AS n FROM deletions WHERE id IN (?1, ?2)").bind(code.id, gone.ws.id).first("n");
    expect(left).toBe(0);
  });

  it("keeps the webhook delivery log for 30 days, and never drops a pending delivery", async () => {
    const { ws } = await codeOn("pro");
    const webhookId = newId("wh");
    await env.DB.prepare(
      "INSERT INTO webhooks (id, workspace_id, url, events, status, secret, created_at, updated_at) VALUES (?1, ?2, 'https://h.example.com', '[\"qr.scanned\"]', 'enabled', 'whsec_AAAA', ?3, ?3)",
    )
      .bind(webhookId, ws.id, new Date(NOW).toISOString())
      .run();
    const insert = (id: string, state: string) =>
      env.DB.prepare(
        "INSERT INTO webhook_deliveries (id, webhook_id, workspace_id, event_id, event_type, payload, state, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'qr.scanned', '{}', ?5, ?6, ?6)",
      ).bind(id, webhookId, ws.id, newId("evt"), state, new Date(NOW).toISOString());
    const [oldDone, oldPending, recent] = [newId("dlv", NOW - 31 * DAY), newId("dlv", NOW - 31 * DAY), newId("dlv", NOW - 29 * DAY)];
    await env.DB.batch([insert(oldDone, "succeeded"), insert(oldPending, "pending"), insert(recent, "failed")]);
    const report = await purgeOldScans(env.DB, NOW);
    expect(report.deliveries).toBe(1);
    const ids = (await env.DB.prepare("SELECT id FROM webhook_deliveries WHERE webhook_id = ?1").bind(webhookId).all<{ id: string }>()).results.map((r) => r.id);
    expect(ids.sort()).toEqual([oldPending, recent].sort());
  });

  it("takes the days it deletes off their month rows, so that a month it cuts into counts only the days it kept", async () => {
    const { ws, code } = await codeOn("free");
    // A scan a day for forty days, so the retention's first day (six days back) cuts into a month
    // or lies at its start, whatever today is.
    await store(Array.from({ length: 40 }, (_, i) => ({ ...row(code, NOW - i * DAY), country: i % 3 ? "AT" : "DE" })));
    await purgeOldScans(env.DB, NOW);
    const kept = await scansOf(code.id);
    expect(kept).toHaveLength(7);
    for (const scope of [code.id, ws.id]) {
      const months = await monthRowsAgainstDays(scope);
      expect(months.length, scope).toBeGreaterThan(0);
      for (const m of months) expect(m, scope).toMatchObject({ scans: m.day_scans, bot_scans: m.day_bots });
      // No month row is left for a month without day rows, nor with nothing to count.
      expect(new Set(months.map((m) => m.month))).toEqual(new Set(kept.map((t) => t.slice(0, 7))));
      const cutMonth = kept[0]!.slice(0, 7);
      const countries = months.filter((m) => m.dim === "country" && m.month === cutMonth);
      expect(countries.reduce((n, m) => n + m.scans, 0)).toBe(kept.filter((t) => t.startsWith(cutMonth)).length);
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

/** Each month row of a scope beside the sums of its month's day rows. */
async function monthRowsAgainstDays(scope: string): Promise<MonthAgainstDays[]> {
  const { results } = await env.DB.prepare(
    `SELECT m.dim, m.month, m.value, m.scans, m.bot_scans, sum(d.scans) AS day_scans, sum(d.bot_scans) AS day_bots
     FROM scan_dim_months m LEFT JOIN scan_dims d ON d.scope = m.scope AND d.dim = m.dim AND substr(d.day, 1, 7) = m.month AND d.value = m.value
     WHERE m.scope = ?1 GROUP BY m.dim, m.month, m.value`,
  )
    .bind(scope)
    .all<MonthAgainstDays>();
  return results;
}

describeAtClocks("the crons", ({ now: NOW }) => {
  it("daily: purges a free workspace's scans eight days later, keeping total_scans and the month's usage", async () => {
    const { ws, code } = await codeOn("free");
    await store([row(code, NOW - 1000), row(code, NOW - 2000)]);
    const queue = recordingQueue();
    const eightDaysLater = NOW + 8 * DAY;
    await worker.scheduled(createScheduledController({ scheduledTime: eightDaysLater, cron: "5 0 * * *" }), { ...env, WEBHOOKS: queue.queue });
    expect(await scansOf(code.id)).toEqual([]);
    expect(await totalScans(code.id)).toBe(2);
    const usage = await env.DB.prepare("SELECT scans FROM workspace_monthly_scans WHERE workspace_id = ?1").bind(ws.id).first("scans");
    expect(usage).toBe(2);
  });

  it("every five minutes: deletes scans of deleted codes, but leaves retention to the daily run", async () => {
    const { code } = await codeOn("free");
    const kept = await seedCode(env.DB, code.workspace_id);
    await store([row(code, NOW - 1000), row(kept, NOW - 30 * DAY)]);
    await env.DB.batch([
      env.DB.prepare("DELETE FROM codes WHERE id = ?1").bind(code.id),
      env.DB.prepare("INSERT INTO deletions (kind, id, deleted_at) VALUES ('code', ?1, ?2)").bind(code.id, new Date(NOW).toISOString()),
    ]);
    await worker.scheduled(createScheduledController({ scheduledTime: NOW, cron: "*/5 * * * *" }), { ...env, WEBHOOKS: recordingQueue().queue });
    expect(await scansOf(code.id)).toEqual([]);
    expect(await scansOf(kept.id)).toHaveLength(1);
  });

  it("folds the scans still waiting first, so a deleted code leaves no summary behind", async () => {
    const { code } = await codeOn("free");
    await storeScanRows(env.DB, [row(code, NOW - 1000), row(code, NOW - 2000)], { fold: false });
    const waiting = async () => env.DB.prepare("SELECT count(*) AS n FROM scan_tail WHERE code_id = ?1").bind(code.id).first("n");
    expect(await waiting()).toBe(2);
    await env.DB.batch([
      env.DB.prepare("DELETE FROM codes WHERE id = ?1").bind(code.id),
      env.DB.prepare("INSERT INTO deletions (kind, id, deleted_at) VALUES ('code', ?1, ?2)").bind(code.id, new Date(NOW).toISOString()),
    ]);
    await worker.scheduled(createScheduledController({ scheduledTime: NOW, cron: "*/5 * * * *" }), { ...env, WEBHOOKS: recordingQueue().queue });
    expect(await waiting()).toBe(0);
    expect(await scansOf(code.id)).toEqual([]);
    for (const table of ["scan_days", "scan_quarters", "scan_dims", "scan_dim_months", "scan_visitors"]) {
      expect(await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE scope = ?1`).bind(code.id).first("n"), table).toBe(0);
    }
    expect(await env.DB.prepare("SELECT count(*) AS n FROM deletions WHERE id = ?1").bind(code.id).first("n")).toBe(0);
  });
});

describe("the migration that makes month rows exact", () => {
  it("counts each scope's oldest month again from its day rows, as an earlier purge left it whole", async () => {
    const { ws, code } = await codeOn("pro");
    await store([row(code, Date.parse("2026-03-02T10:00:00Z")), row(code, Date.parse("2026-03-20T10:00:00Z")), row(code, Date.parse("2026-04-03T10:00:00Z"))]);
    // What the purge used to leave: the month's first day gone from the day rows, not from the month's.
    await env.DB.prepare("DELETE FROM scan_dims WHERE scope IN (?1, ?2) AND day = '2026-03-02'").bind(code.id, ws.id).run();
    const migration = (env as unknown as { TEST_MIGRATIONS: Array<{ name: string; queries: string[] }> }).TEST_MIGRATIONS.find((m) => m.name.startsWith("0008_"))!;
    for (const query of migration.queries.filter((q) => !q.includes("CREATE TABLE scan_purge_dims"))) await env.DB.prepare(query).run();
    for (const scope of [code.id, ws.id]) {
      const months = await monthRowsAgainstDays(scope);
      for (const m of months) expect(m, scope).toMatchObject({ scans: m.day_scans, bot_scans: m.day_bots });
      expect(months.find((m) => m.dim === "country" && m.month === "2026-03")).toMatchObject({ value: "AT", scans: 1 });
      expect(months.find((m) => m.dim === "country" && m.month === "2026-04")).toMatchObject({ value: "AT", scans: 1 });
    }
  });
});
