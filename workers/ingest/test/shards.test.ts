// The scans consumer over several shards: each shard's scans are stored in its own database, in
// one transaction per shard, and a shard that fails holds back only the messages with its scans.
import { env } from "cloudflare:workers";
import { shardDb, shardNumbers } from "@qr3/core";
import { dayRows, foldScans, workspaceTotals } from "@qr3/db";
import type { ScanMessage } from "@qr3/schema";
import { describe, expect, it, vi } from "vitest";
import { SCANS_BATCH_SIZE } from "../src/queues.ts";
import { retryDelaySeconds } from "../src/retry.ts";
import { scanMessage, seedCode, seedWorkspace } from "../../../test/fixtures.ts";
import { unreachable, withShard } from "./databases.ts";
import { runScanBatch } from "./scan-batch.ts";
import { countOnShards, countPerShard } from "./shard-rows.ts";
import { deliveryRows, recordingQueue, runWebhookQueue, seedWebhook } from "./webhook-helpers.ts";

type Code = Awaited<ReturnType<typeof seedCode>>;

/** Delivers `bodies` as one batch of the scans queue (ids m0, m1, ...), with WEBHOOKS recorded. */
async function deliver(bodies: unknown[], testEnv: Env = env, { attempts = 1, ids = bodies.map((_, i) => `m${i}`) } = {}) {
  const webhooks = recordingQueue();
  const { result, delays } = await runScanBatch(bodies, { ...testEnv, WEBHOOKS: webhooks.queue }, { attempts, ids });
  return { acked: [...result.explicitAcks].sort(), retried: result.retryMessages.map((m) => m.msgId).sort(), delays, dispatch: webhooks.sent.map((s) => s.body) };
}

/** A scan message of a code as the redirector sent it before sharding: no shard. */
const unsharded = (code: Code): ScanMessage => {
  const { shard: _, ...message } = scanMessage(code);
  return message;
};

const pack = (...scans: ScanMessage[]) => ({ scans });

/** Every shard's D1 batches (each one transaction), as the number of statements in each. */
function observed(testEnv: Env) {
  const batches = new Map<number, number[]>(shardNumbers(env).map((n) => [n, []]));
  let observedEnv = testEnv;
  for (const n of shardNumbers(env)) {
    const real = shardDb(testEnv, n);
    const watched = new Proxy(real, {
      get(target, prop) {
        if (prop === "batch") {
          return (statements: D1PreparedStatement[]) => {
            batches.get(n)!.push(statements.length);
            return target.batch(statements);
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    observedEnv = withShard(observedEnv, n, watched);
  }
  return { env: observedEnv, batches };
}

/**
 * Folds the code's shard, then checks that the code's scans are stored once in its shard (and in
 * no other) and counted once: in total_scans, the monthly usage, the summaries the API reads.
 */
async function expectCountedOnce(code: Code, scans: readonly ScanMessage[]) {
  const db = shardDb(env, code.shard);
  await foldScans(db);
  const ids = scans.map((s) => s.scan_id).sort();
  const stored = await db.prepare("SELECT id FROM scans WHERE code_id = ?1 ORDER BY id").bind(code.id).all<{ id: string }>();
  expect(stored.results.map((r) => r.id), "stored in its shard").toEqual(ids);
  expect(await countOnShards("SELECT count(*) AS n FROM scans WHERE code_id = ?1", code.id), "stored in no other shard").toBe(ids.length);
  const summary = await db
    .prepare(
      `SELECT (SELECT total_scans FROM codes WHERE id = ?1) AS total,
              (SELECT coalesce(sum(scans), 0) FROM scan_days WHERE scope = ?1) AS days,
              (SELECT coalesce(sum(scans), 0) FROM scan_quarters WHERE scope = ?1) AS quarters,
              (SELECT coalesce(sum(scans), 0) FROM scan_dims WHERE scope = ?1 AND dim = 'country') AS countries`,
    )
    .bind(code.id)
    .first();
  expect(summary).toEqual({ total: ids.length, days: ids.length, quarters: ids.length, countries: ids.length });
}

/** A code of a new workspace on each shard, by shard number: each test works on its own. */
const codesOnEveryShard = () => Promise.all(shardNumbers(env).map(async (shard) => seedCode(env, await seedWorkspace(env, "pro", `Shard ${shard}`, 730, shard))));

/** Each shard's count of `sql` (which selects from scans or scan_tail) over these codes' rows. */
const perShard = (table: "scans" | "scan_tail", codes: readonly Code[]) =>
  countPerShard(`SELECT count(*) AS n FROM ${table} WHERE code_id IN (SELECT value FROM json_each(?1))`, JSON.stringify(codes.map((c) => c.id)));

describe("a batch over several shards", () => {
  it("stores each shard's scans in its own database and nowhere else, one transaction per shard", async () => {
    const codes = await codesOnEveryShard();
    const on = (shard: number) => codes[shard]!;
    // A full batch (no fold follows) of packs and one-scan messages over shards 0 to 2; shard 3 has none.
    const scans = {
      0: [scanMessage(on(0)), scanMessage(on(0)), scanMessage(on(0))],
      1: [scanMessage(on(1)), scanMessage(on(1))],
      2: [scanMessage(on(2)), scanMessage(on(2)), scanMessage(on(2)), scanMessage(on(2))],
    };
    const bodies = [
      pack(scans[0][0]!, scans[1][0]!, scans[2][0]!),
      scans[0][1],
      pack(scans[2][1]!, scans[2][2]!),
      scans[1][1],
      pack(scans[0][2]!),
      scans[2][3],
      ...Array.from({ length: SCANS_BATCH_SIZE - 6 }, () => ({ scans: "not a pack" })),
    ];
    expect(bodies).toHaveLength(SCANS_BATCH_SIZE);
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const watched = observed(env);
    const result = await deliver(bodies, watched.env);
    errors.mockRestore();
    expect(result.retried).toEqual([]);
    expect(result.acked).toHaveLength(SCANS_BATCH_SIZE);

    // One batch each on shards 0, 1 and 2: the scans (late visitors, the scans, their codes' and
    // months' counters, the codes they bring to their scan cap), the webhook events staged and
    // the count of waiting scans, in one transaction. None on shard 3.
    expect(Object.fromEntries(watched.batches)).toEqual({ 0: [7], 1: [7], 2: [7], 3: [] });
    for (const shard of [0, 1, 2] as const) await expectCountedOnce(on(shard), scans[shard]);
    expect(await perShard("scans", codes)).toEqual([3, 2, 4, 0]);
    expect(await shardDb(env, 3).prepare("SELECT total_scans FROM codes WHERE id = ?1").bind(on(3).id).first("total_scans")).toBe(0);
  });

  it("leaves each shard's scans waiting in that shard, for its own fold", async () => {
    const codes = await codesOnEveryShard();
    const on = (shard: number) => codes[shard]!;
    const scans = [scanMessage(on(3)), scanMessage(on(0))];
    await deliver([pack(...scans)]);
    expect(await perShard("scans", codes)).toEqual([1, 0, 0, 1]);
    expect(await perShard("scan_tail", codes)).toEqual([1, 0, 0, 1]);
    for (const shard of shardNumbers(env)) await foldScans(shardDb(env, shard));
    expect(await perShard("scan_tail", codes)).toEqual([0, 0, 0, 0]);
    const day = scans[0]!.scanned_at.slice(0, 10);
    const [rows] = await shardDb(env, 3).batch<{ scans: number }>([dayRows(shardDb(env, 3), on(3).workspace_id, day)]);
    expect(rows!.results.reduce((n, r) => n + r.scans, 0)).toBe(1);
  });

  it("stages and dispatches each shard's webhook events in that shard", async () => {
    const codes = await codesOnEveryShard();
    const on = (shard: number) => codes[shard]!;
    const webhooks = await Promise.all([1, 2].map((shard) => seedWebhook({ id: on(shard).workspace_id, shard })));
    const scans = [scanMessage(on(1)), scanMessage(on(2)), scanMessage(on(2)), scanMessage(on(3))];
    const { dispatch } = await deliver([pack(...scans)]);
    expect(dispatch.map((m) => m.shard).sort()).toEqual([1, 2]);
    await runWebhookQueue(dispatch);
    expect((await deliveryRows(webhooks[0]!)).map((d) => JSON.parse(d.payload as string).data.scan_id)).toEqual([scans[0]!.scan_id]);
    expect((await deliveryRows(webhooks[1]!)).map((d) => JSON.parse(d.payload as string).data.scan_id).sort()).toEqual([scans[1]!.scan_id, scans[2]!.scan_id].sort());
  });
});

describe("a failing shard", () => {
  it("retries only the messages holding its scans; the redelivery loses nothing and counts nothing twice", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const codes = await codesOnEveryShard();
    const on = (shard: number) => codes[shard]!;
    const webhook = await seedWebhook({ id: on(2).workspace_id, shard: 2 });
    const s = {
      zero: [scanMessage(on(0)), scanMessage(on(0))],
      one: [scanMessage(on(1)), scanMessage(on(1))],
      mixedTwo: [scanMessage(on(2)), scanMessage(on(2))],
      mixedOne: scanMessage(on(1)),
      three: scanMessage(on(3)),
      oldOne: unsharded(on(1)),
      oldTwo: unsharded(on(2)),
    };
    const bodies = [
      pack(...s.zero), // m0: shard 0 only
      pack(...s.one), // m1: shard 1 only
      pack(s.mixedTwo[0]!, s.mixedOne, s.mixedTwo[1]!), // m2: shards 2 and 1
      s.three, // m3: a one-scan message of shard 3
      s.oldOne, // m4: from before sharding, of a workspace on shard 1
      s.oldTwo, // m5: from before sharding, of a workspace on shard 2
    ];
    const broken = withShard(env, 1, unreachable("D1_ERROR: shard 1 is unavailable"));
    const first = await deliver(bodies, broken, { attempts: 2 });
    expect(first.retried).toEqual(["m1", "m2", "m4"]);
    expect(first.acked).toEqual(["m0", "m3", "m5"]);
    expect(first.delays).toEqual({ m1: retryDelaySeconds(2), m2: retryDelaySeconds(2), m4: retryDelaySeconds(2) });
    const failure = errors.mock.calls.map((c) => JSON.parse(String(c[0]))).filter((l) => l.event === "scan_store_failed");
    expect(failure).toEqual([{ event: "scan_store_failed", shard: 1, messages: 3, scans: 4, error: expect.stringContaining("shard 1 is unavailable") }]);

    // The healthy shards' scans are stored, those of the mixed message too.
    await expectCountedOnce(on(0), s.zero);
    await expectCountedOnce(on(2), [...s.mixedTwo, s.oldTwo]);
    await expectCountedOnce(on(3), [s.three]);
    await expectCountedOnce(on(1), []);

    // The queue redelivers the retried messages, the shard is back.
    const again = await deliver([bodies[1], bodies[2], bodies[4]], env, { attempts: 3, ids: ["m1", "m2", "m4"] });
    expect(again.acked).toEqual(["m1", "m2", "m4"]);
    expect(again.retried).toEqual([]);
    await expectCountedOnce(on(1), [...s.one, s.mixedOne, s.oldOne]);
    await expectCountedOnce(on(2), [...s.mixedTwo, s.oldTwo]);
    await expectCountedOnce(on(0), s.zero);
    await expectCountedOnce(on(3), [s.three]);
    for (const [shard, n] of [[0, 2], [1, 4], [2, 3], [3, 1]] as const) {
      const code = on(shard);
      const db = shardDb(env, shard);
      expect(await db.batch([workspaceTotals(db, code.workspace_id)]).then(([r]) => r!.results[0])).toEqual({ total_scans: n, bot_scans: 0 });
      const usage = await db.prepare("SELECT sum(scans) AS n FROM workspace_monthly_scans WHERE workspace_id = ?1").bind(code.workspace_id).first("n");
      expect(usage, `shard ${shard}'s monthly usage`).toBe(n);
      const days = await db.prepare("SELECT sum(scans) AS n FROM scan_days WHERE scope = ?1").bind(code.workspace_id).first("n");
      expect(days, `shard ${shard}'s workspace summary`).toBe(n);
    }

    // The mixed message's shard-2 scans were staged twice (once per delivery): still one delivery each.
    await runWebhookQueue([...first.dispatch, ...again.dispatch]);
    const delivered = (await deliveryRows(webhook)).map((d) => JSON.parse(d.payload as string).data.scan_id).sort();
    expect(delivered).toEqual([...s.mixedTwo, s.oldTwo].map((m) => m.scan_id).sort());
    errors.mockRestore();
  });

  it("retries the messages of scans that name no shard while the control database cannot say theirs", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const codes = await codesOnEveryShard();
    const [named, old] = [scanMessage(codes[2]!), unsharded(codes[3]!)];
    const first = await deliver([named, old], { ...env, CONTROL: unreachable("D1_ERROR: control is unavailable") });
    expect(first).toMatchObject({ acked: ["m0"], retried: ["m1"] });
    expect(errors.mock.calls.map((c) => JSON.parse(String(c[0])).event)).toContain("scan_shard_lookup_failed");
    expect(await shardDb(env, 2).prepare("SELECT count(*) AS n FROM scans WHERE id = ?1").bind(named.scan_id).first("n")).toBe(1);
    expect(await countOnShards("SELECT count(*) AS n FROM scans WHERE id = ?1", old.scan_id)).toBe(0);
    await deliver([old], env, { attempts: 2 });
    expect(await shardDb(env, 3).prepare("SELECT count(*) AS n FROM scans WHERE id = ?1").bind(old.scan_id).first("n")).toBe(1);
    errors.mockRestore();
  });
});

describe("scans whose message names no shard", () => {
  it("are stored in their workspace's shard, as are those naming a shard this deployment lacks", async () => {
    const codes = await codesOnEveryShard();
    const on = (shard: number) => codes[shard]!;
    const old = unsharded(on(2));
    const stray = { ...scanMessage(on(3)), shard: 9 };
    const result = await deliver([old, pack(stray)]);
    expect(result.acked).toEqual(["m0", "m1"]);
    expect(await shardDb(env, 2).prepare("SELECT count(*) AS n FROM scans WHERE id = ?1").bind(old.scan_id).first("n")).toBe(1);
    expect(await shardDb(env, 3).prepare("SELECT count(*) AS n FROM scans WHERE id = ?1").bind(stray.scan_id).first("n")).toBe(1);
  });

  it("are dropped, logged and acked when their workspace no longer exists", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const ws = await seedWorkspace(env);
    const code = await seedCode(env, ws);
    await env.CONTROL.prepare("DELETE FROM workspaces WHERE id = ?1").bind(ws.id).run();
    const result = await deliver([unsharded(code)]);
    expect(result).toMatchObject({ acked: ["m0"], retried: [] });
    expect(await countOnShards("SELECT count(*) AS n FROM scans WHERE code_id = ?1", code.id)).toBe(0);
    expect(warn.mock.calls.map((c) => JSON.parse(String(c[0])))).toContainEqual({ event: "scans_of_unknown_workspace", scans: 1 });
    warn.mockRestore();
  });

  it("are retried, not dropped, while their workspace's shard is not bound to this worker", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const codes = await codesOnEveryShard();
    const ws = await seedWorkspace(env);
    const code = await seedCode(env, ws);
    // The control database places the workspace on a shard this deployment does not bind yet.
    await env.CONTROL.prepare("UPDATE workspaces SET shard = 7 WHERE id = ?1").bind(ws.id).run();
    const result = await deliver([unsharded(code), pack(scanMessage(codes[1]!))]);
    expect(result).toMatchObject({ acked: ["m1"], retried: ["m0"] });
    expect(await countOnShards("SELECT count(*) AS n FROM scans WHERE code_id = ?1", code.id)).toBe(0);
    expect(error.mock.calls.map((c) => JSON.parse(String(c[0])))).toContainEqual({ event: "scans_of_unbound_shard", scans: 1, shards: [7] });
    error.mockRestore();
  });
});

describe("a packed message delivered again", () => {
  it("counts nothing twice, in a later batch or twice in one", async () => {
    const codes = await codesOnEveryShard();
    const on = (shard: number) => codes[shard]!;
    const scans = [scanMessage(on(0)), scanMessage(on(1)), scanMessage(on(1)), scanMessage(on(3))];
    const message = pack(...scans);
    const before = await Promise.all([0, 1, 3].map((shard) => shardDb(env, shard).prepare("SELECT total_scans AS n FROM codes WHERE id = ?1").bind(on(shard).id).first<number>("n")));
    await deliver([message]);
    await deliver([message, scanMessage(on(1)), message], env, { attempts: 2 });
    const after = await Promise.all([0, 1, 3].map((shard) => shardDb(env, shard).prepare("SELECT total_scans AS n FROM codes WHERE id = ?1").bind(on(shard).id).first<number>("n")));
    expect(after.map((n, i) => n! - before[i]!)).toEqual([1, 3, 1]);
    for (const scan of scans) expect(await countOnShards("SELECT count(*) AS n FROM scans WHERE id = ?1", scan.scan_id)).toBe(1);
  });
});
