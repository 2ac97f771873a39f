import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { scanMessage, seedCode, seedWorkspace } from "../../../test/fixtures.ts";
import type { ScanMessage } from "@qr3/schema";
import { FOLD_AT, foldScans, SCAN_ROW_SQL } from "@qr3/db";
import { shardDb, shardNumbers } from "@qr3/core";
import { refusingBatches, withShard } from "./databases.ts";
import { runScanBatch } from "./scan-batch.ts";
import { countOnShards } from "./shard-rows.ts";

type Code = Awaited<ReturnType<typeof seedCode>>;

let code: Code;
beforeEach(async () => {
  // Scans another test left waiting would count towards this one's fold.
  for (const n of shardNumbers(env)) await foldScans(shardDb(env, n));
  // Each test's code is on the next shard: seedWorkspace spreads them.
  code = await seedCode(env, await seedWorkspace(env));
});

/** The database of the shard that holds `code`. */
const dbOf = (c: { shard: number }) => shardDb(env, c.shard);

/** Delivers `bodies` as one batch of the scans queue (ids msg-0, msg-1, ...). */
async function deliver(bodies: unknown[], testEnv: Env = env, attempts = 1) {
  const { result, delays } = await runScanBatch(bodies, testEnv, { attempts });
  return { ...result, delays };
}

/** The scans of a code in every shard (a scan stored in the wrong shard counts too). */
const countScans = (codeId: string) => countOnShards("SELECT count(*) AS n FROM scans WHERE code_id = ?1", codeId);
const totalScans = async (c: { id: string; shard: number }) =>
  (await dbOf(c).prepare("SELECT total_scans FROM codes WHERE id = ?1").bind(c.id).first<{ total_scans: number }>())!.total_scans;

describe("scan consumer", () => {
  it("stores every documented column, with the user agent parsed", async () => {
    const message = scanMessage(code, { referer: "https://example.com/flyer" });
    const result = await deliver([message]);
    expect(result.explicitAcks).toEqual(["msg-0"]);
    expect(result.retryMessages).toEqual([]);
    const row = await dbOf(code).prepare(`SELECT ${SCAN_ROW_SQL} FROM scans WHERE id = ?1`).bind(message.scan_id).first();
    expect(row).toEqual({
      id: message.scan_id,
      code_id: code.id,
      workspace_id: code.workspace_id,
      country: "AT",
      region: "Vienna",
      city: "Vienna",
      device_type: "mobile",
      os: "iOS",
      browser: "Safari",
      referer: "https://example.com/flyer",
      language: "de",
      redirected_to: "https://example.com/landing",
      ip_hash: "a".repeat(64),
      scanned_at: message.scanned_at,
      is_bot: 0,
    });
  });

  it("stores a full batch of 100 and counts each scan once", async () => {
    const messages = Array.from({ length: 100 }, () => scanMessage(code));
    const result = await deliver(messages);
    expect(result.explicitAcks).toHaveLength(100);
    expect(await countScans(code.id)).toBe(100);
    expect(await totalScans(code)).toBe(100);
  });

  it("does not store or count a redelivered message twice", async () => {
    const messages = [scanMessage(code), scanMessage(code)];
    await deliver(messages);
    const again = await deliver([messages[1], scanMessage(code), messages[0]], env, 2);
    expect(again.explicitAcks).toHaveLength(3);
    expect(await countScans(code.id)).toBe(3);
    expect(await totalScans(code)).toBe(3);
    const month = messages[0]!.scanned_at.slice(0, 7);
    const usage = await dbOf(code).prepare("SELECT scans FROM workspace_monthly_scans WHERE workspace_id = ?1 AND month = ?2")
      .bind(code.workspace_id, month)
      .first<{ scans: number }>();
    expect(usage?.scans).toBe(3);
  });

  it("leaves the scans waiting to be folded, whatever the batch, until FOLD_AT wait", async () => {
    const waiting = async () => (await dbOf(code).prepare("SELECT count(*) AS n FROM scan_tail WHERE code_id = ?1").bind(code.id).first<{ n: number }>())!.n;
    const daySummary = async () =>
      dbOf(code).prepare("SELECT scans, uniques FROM scan_days WHERE scope = ?1").bind(code.id).first<{ scans: number; uniques: number }>();
    const full = Array.from({ length: 100 }, (_, i) => scanMessage(code, { ip_hash: i.toString(16).padStart(64, "0") }));
    await deliver(full);
    expect(await waiting()).toBe(100);
    expect(await daySummary()).toBeNull();
    // The counters are current at once.
    expect(await totalScans(code)).toBe(100);

    // A redelivered full batch stores nothing, so it adds nothing to the tail either.
    await deliver(full, env, 2);
    expect(await waiting()).toBe(100);

    // Nor does a batch that is not full fold: below FOLD_AT the scans wait for the daily run.
    await deliver([scanMessage(code, { ip_hash: "f".repeat(64) })]);
    expect(await waiting()).toBe(101);
    expect(await daySummary()).toBeNull();
    expect(await totalScans(code)).toBe(101);
    await foldScans(dbOf(code));
    expect(await waiting()).toBe(0);
    expect(await daySummary()).toEqual({ scans: 101, uniques: 101 });
  });

  it("folds in the batch that brings the waiting scans to FOLD_AT", async () => {
    const waiting = async () => (await dbOf(code).prepare("SELECT count(*) AS n FROM scan_tail WHERE code_id = ?1").bind(code.id).first<{ n: number }>())!.n;
    const full = () => Array.from({ length: 100 }, () => scanMessage(code));
    for (let i = 0; i < FOLD_AT / 100 - 1; i++) await deliver(full());
    expect(await waiting()).toBe(FOLD_AT - 100);
    await deliver(full());
    expect(await waiting()).toBe(0);
    const day = await dbOf(code).prepare("SELECT sum(scans) AS n FROM scan_days WHERE scope = ?1").bind(code.id).first<{ n: number }>();
    expect(day!.n).toBe(FOLD_AT);
  });

  it("counts a scan twice in one batch once", async () => {
    const message = scanMessage(code);
    await deliver([message, message]);
    expect(await countScans(code.id)).toBe(1);
    expect(await totalScans(code)).toBe(1);
    await foldScans(dbOf(code));
    const day = await dbOf(code).prepare("SELECT scans FROM scan_days WHERE scope = ?1").bind(code.id).first<{ scans: number }>();
    expect(day!.scans).toBe(1);
  });

  it("acks and logs invalid messages without failing their batch-mates", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const good = scanMessage(code);
    const bad: unknown[] = [
      "not an object",
      null,
      { ...scanMessage(code), scan_id: "nope" },
      { ...scanMessage(code), scanned_at: "yesterday" },
      { ...scanMessage(code), ip_hash: "203.0.113.7" },
      (({ code_id: _, ...rest }: ScanMessage) => rest)(scanMessage(code)),
    ];
    const result = await deliver([...bad, good]);
    expect(result.explicitAcks.sort()).toEqual(["msg-0", "msg-1", "msg-2", "msg-3", "msg-4", "msg-5", "msg-6"]);
    expect(result.retryMessages).toEqual([]);
    expect(await countScans(code.id)).toBe(1);
    const logged = errors.mock.calls.map((c) => String(c[0]));
    expect(logged.filter((l) => l.includes("scan_message_invalid"))).toHaveLength(6);
    expect(logged.join("\n")).toContain("ip_hash: invalid_format");
    expect(logged.join("\n")).not.toContain("203.0.113.7");
    errors.mockRestore();
  });

  it("retries every valid message with backoff when D1 fails, acking nothing it did not store", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const failing = withShard(env, code.shard, refusingBatches(dbOf(code), "D1_ERROR: database is overloaded"));
    const messages = [scanMessage(code), scanMessage(code)];
    const result = await deliver([...messages, { junk: true }], failing, 3);
    expect(result.explicitAcks).toEqual(["msg-2"]);
    expect(result.retryMessages).toEqual([{ msgId: "msg-0" }, { msgId: "msg-1" }]);
    expect(result.delays).toEqual({ "msg-0": 20, "msg-1": 20 });
    expect(await countScans(code.id)).toBe(0);
    // The redelivery, once D1 is back, stores them.
    await deliver(messages, env, 4);
    expect(await countScans(code.id)).toBe(2);
    errors.mockRestore();
  });

  it("drops scans of a deleted code and scans claiming a workspace that does not own the code", async () => {
    const other = await seedWorkspace(env);
    expect(other.shard).not.toBe(code.shard);
    const deleted = { ...code, id: "qr_00000000000000000000000000" };
    const claiming = { ...code, workspace_id: other.id };
    // The claim names the code's shard, or (from before sharding) none: then the claimed
    // workspace's shard is looked up, which does not hold the code either.
    const result = await deliver([scanMessage(deleted), scanMessage(claiming), scanMessage({ ...claiming, shard: undefined })]);
    expect(result.explicitAcks).toHaveLength(3);
    expect(await countScans(deleted.id)).toBe(0);
    expect(await countScans(code.id)).toBe(0);
    expect(await totalScans(code)).toBe(0);
  });
});

describe("bots", () => {
  it("stores link previews, crawlers, HEAD requests and prefetches flagged, counting them apart", async () => {
    const c = await seedCode(env, await seedWorkspace(env));
    const messages = [
      scanMessage(c),
      scanMessage(c, { user_agent: "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)" }),
      scanMessage(c, { user_agent: "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" }),
      scanMessage(c, { method: "HEAD" }),
      scanMessage(c, { purpose: "prefetch" }),
    ];
    await deliver(messages);
    const flags = await dbOf(c).prepare("SELECT id, is_bot FROM scans WHERE code_id = ?1").bind(c.id).all<{ id: string; is_bot: number }>();
    const byId = new Map(flags.results.map((r) => [r.id, r.is_bot]));
    expect(messages.map((m) => byId.get(m.scan_id))).toEqual([0, 1, 1, 1, 1]);
    const counters = await dbOf(c).prepare("SELECT total_scans, bot_scans FROM codes WHERE id = ?1").bind(c.id).first();
    expect(counters).toEqual({ total_scans: 1, bot_scans: 4 });
  });

  it("takes packed messages and the one-scan messages of before packing in one batch", async () => {
    const single = scanMessage(code);
    const pack = { scans: Array.from({ length: 100 }, () => scanMessage(code)) };
    const result = await deliver([single, pack, { scans: [scanMessage(code), scanMessage(code)] }]);
    expect(result.explicitAcks.sort()).toEqual(["msg-0", "msg-1", "msg-2"]);
    expect(await countScans(code.id)).toBe(103);
    expect(await totalScans(code)).toBe(103);
    // Delivered again (at least once), nothing is stored or counted twice.
    await deliver([pack, single]);
    expect(await totalScans(code)).toBe(103);
  });

  it("drops an invalid scan of a pack, logged by its index, and stores its siblings", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const good = [scanMessage(code), scanMessage(code)];
      const result = await deliver([{ scans: [good[0], { ...scanMessage(code), country: "Austria" }, good[1]] }, { scans: "nope" }, { scans: [] }]);
      expect(result.explicitAcks.sort()).toEqual(["msg-0", "msg-1", "msg-2"]);
      expect(result.retryMessages).toEqual([]);
      expect(await countScans(code.id)).toBe(2);
      const logged = errors.mock.calls.map((c) => JSON.parse(String(c[0])));
      expect(logged).toContainEqual({ event: "scan_message_invalid", message_id: "msg-0", index: 1, issues: ["country: invalid_format"] });
      expect(logged.filter((l) => l.message_id !== "msg-0")).toEqual([
        { event: "scan_message_invalid", message_id: "msg-1", index: 0, issues: ["(body): not a scan pack"] },
        { event: "scan_message_invalid", message_id: "msg-2", index: 0, issues: ["(body): not a scan pack"] },
      ]);
    } finally {
      errors.mockRestore();
    }
  });

  it("retries only the messages that hold a valid scan when D1 fails", async () => {
    const broken = withShard(env, code.shard, refusingBatches(dbOf(code), "D1_ERROR: database is locked"));
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const result = await deliver([{ scans: [scanMessage(code)] }, { scans: [{ nope: true }] }], broken);
      expect(result.retryMessages.map((m) => m.msgId)).toEqual(["msg-0"]);
      expect(result.explicitAcks).toEqual(["msg-1"]);
    } finally {
      errors.mockRestore();
    }
  });
});
