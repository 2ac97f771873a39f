// Dead letters over the real local stack: scans whose every delivery fails because their shard's
// D1 is locked go to the dead-letter queue for real, are parked in the control database by the
// ingest worker (which retries the parking too, while that is locked as well), show up in `pnpm
// admin dlq`, and after `pnpm admin dlq replay` and the 5-minute cron are stored and counted once
// each.
//
// The stack's scans consumer runs with max_retries = 1 here (production: 10), so that a message
// is dead-lettered after two failed deliveries five seconds apart, not after an hour of backoff.
// The local queue broker honours max_retries, retry delays and the dead-letter queue as
// production does; it keeps messages in memory, which does not matter here.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../../scripts/lib/stack.ts";
import { apiClient, clearOfMidnight, startTestStack, waitFor } from "./helpers.ts";
import { d1File, holdWriteLock, queryD1 } from "./local-state.ts";
import { loggedEvents } from "./log-events.ts";

const run = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;
const SCANS = 5;
const IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

let stack: Stack;
let log: string[];
let persistTo: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ stack, log, persistTo, cleanup } = await startTestStack({
    editConfig: (name, toml) => {
      if (name !== "wrangler.ingest.toml") return toml;
      const edited = toml.replace(/max_retries = 10\ndead_letter_queue = "qr3-scans-dlq"/, 'max_retries = 1\ndead_letter_queue = "qr3-scans-dlq"');
      if (edited === toml) throw new Error("the scans consumer's max_retries was not found in wrangler.ingest.toml");
      return edited;
    },
  }));
});
afterAll(async () => {
  await cleanup?.();
});

// The demo workspace of the last shard: its scans carry that shard and are replayed to it.
const demo = () => stack.demos.at(-1)!;
const admin = async (...args: string[]) => JSON.parse((await run("node", ["scripts/admin.ts", ...args, "--persist-to", persistTo], { cwd: ROOT })).stdout);
/** How many messages (or, with `field` "scans", scans) the failures logged as `event` name, over all of them. */
const failed = (event: string, field: "messages" | "scans" = "messages") =>
  loggedEvents<Record<string, number>>(log.join(""), event).reduce((n, e) => n + (e[field] ?? 0), 0);
/** Parked messages of the scans queue, and the scans their packs hold. */
const parkedScans = () =>
  queryD1<{ messages: number; scans: number }>(
    persistTo,
    "CONTROL",
    "SELECT count(*) AS messages, coalesce(sum(json_array_length(body, '$.scans')), 0) AS scans FROM dead_letters WHERE queue = 'qr3-scans'",
  )[0]!;

describe("dead letters over the local stack", () => {
  it("parks scans that D1 refused until max_retries, lists them by id, and replays each once", { timeout: 120_000 }, async () => {
    await clearOfMidnight();
    const lock = holdWriteLock([d1File(persistTo, demo().shard), d1File(persistTo, "CONTROL")]);
    try {
      for (let i = 0; i < SCANS; i++) {
        const res = await fetch(`${stack.origin}/${demo().short_code}`, { redirect: "manual", headers: { "user-agent": IPHONE } });
        expect(res.status).toBe(302);
      }
      // The scans go in one or more packs (as the redirector's batches fell); each pack fails twice
      // (max_retries = 1), then goes to the dead-letter queue, whose consumer cannot park it either yet.
      await waitFor(() => failed("scan_store_failed", "scans"), (n) => n >= 2 * SCANS, 30_000);
      await waitFor(() => failed("dead_letter_park_failed"), (n) => n >= 1, 30_000);
      expect(failed("scan_store_failed", "scans")).toBe(2 * SCANS);
    } finally {
      lock.release();
    }
    // The parking is retried with backoff, and succeeds now.
    const parked = await waitFor(parkedScans, (p) => p.scans === SCANS, 30_000);
    expect(parked.scans).toBe(SCANS);
    const packs = parked.messages;
    expect(packs).toBeGreaterThanOrEqual(1);
    expect(queryD1(persistTo, demo().shard, "SELECT id FROM scans WHERE code_id = ?1", demo().code_id)).toEqual([]);

    const listed = await admin("dlq");
    const scans = listed.queues.find((q: { queue: string }) => q.queue === "qr3-scans");
    expect(scans).toMatchObject({ dead_letter_queue: "qr3-scans-dlq", parked: packs, awaiting_replay: 0, replayed: 0 });
    expect(listed.queues.find((q: { queue: string }) => q.queue === "qr3-webhooks")).toMatchObject({ parked: 0, recent: [] });
    expect(scans.recent).toHaveLength(packs);
    for (const entry of scans.recent) {
      expect(entry).toEqual({
        message_id: expect.any(String),
        type: "scans",
        scans: expect.arrayContaining([{ scan_id: expect.stringMatching(/^scn_/), code_id: demo().code_id, workspace_id: demo().workspace_id }]),
        attempts: expect.any(Number),
        reason: null,
        parked_at: expect.any(String),
        replay_requested_at: null,
        replayed_at: null,
      });
    }
    // Ids and types only, unless asked: the visitor's user agent is not shown.
    expect(JSON.stringify(listed)).not.toContain("iPhone");
    const ids = scans.recent.map((e: { message_id: string }) => e.message_id);
    const replay = await admin("dlq", "replay", "--queue", "qr3-scans", "--ids", [...ids, "no-such-message"].join(","));
    expect(replay).toMatchObject({ marked: packs, queues: { "qr3-scans": packs }, not_marked: ["no-such-message"] });

    const cron = `${stack.origin}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("*/5 * * * *")}`;
    expect((await fetch(cron)).status).toBe(200);
    const stored = await waitFor(
      () => queryD1<{ id: string }>(persistTo, demo().shard, "SELECT id FROM scans WHERE code_id = ?1 ORDER BY id", demo().code_id),
      (rows) => rows.length >= SCANS,
    );
    const listedIds = scans.recent.flatMap((e: { scans: Array<{ scan_id: string }> }) => e.scans.map((s) => s.scan_id));
    expect(stored.map((r) => r.id)).toEqual(listedIds.sort());

    // A second run sends nothing again; each scan is counted once.
    expect((await fetch(cron)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2000));
    const api = apiClient(stack.origin, demo().api_key);
    const stats = await api(`/v1/codes/${demo().code_id}/scans?days=1`);
    expect(stats.json.data).toMatchObject({ total_scans: SCANS, period_scans: SCANS });
    expect(queryD1(persistTo, demo().shard, "SELECT count(*) AS n FROM scans WHERE code_id = ?1", demo().code_id)).toEqual([{ n: SCANS }]);
    // --queue takes the dead-letter queue's name too; --bodies shows what was parked.
    const after = (await admin("dlq", "--queue", "qr3-scans-dlq", "--limit", "1", "--bodies")).queues;
    expect(after).toEqual([expect.objectContaining({ queue: "qr3-scans", parked: packs, awaiting_replay: 0, replayed: packs })]);
    expect(after[0].recent[0]).toMatchObject({ format: "json", body: { scans: expect.arrayContaining([expect.objectContaining({ user_agent: IPHONE })]) }, replayed_at: expect.any(String) });
  });
});
