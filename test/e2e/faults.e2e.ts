// Faults, made for real, against the real workers: every redirect answered ends as a stored scan,
// counted once, or as a scan the redirector logged as lost, by id; and where the local platform
// itself loses messages (its queue broker keeps them in memory), the test says so and checks what
// survives. The faults:
// - D1 refusing writes for a few seconds (another process holds the shard database's write lock);
// - KV refusing the redirector's writes (its namespace's write lock held), on a day whose salt the
//   redirector must create: it hashes with a salt of its own meanwhile, and loses nothing;
// - the whole stack killed (SIGKILL) while scans are in flight, and restarted on its state;
// - the working tree's sources touched while the stack runs.
// Batches at the queue broker's size limit are in faults-queue-send.e2e.ts.
import { utimesSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLoad } from "../../scripts/bench/load.ts";
import { freePort, startStack, type Stack } from "../../scripts/lib/stack.ts";
import { apiClient, clearOfMidnight, startTestStack, waitFor } from "./helpers.ts";
import { d1File, holdKvWriteLock, holdWriteLock, queryD1 } from "./local-state.ts";
import { loggedEvents } from "./log-events.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("over the local stack", () => {
  let stack: Stack;
  let log: string[];
  let persistTo: string;
  let cleanup: () => Promise<void>;
  let restarted: Stack | undefined;

  beforeAll(async () => {
    ({ stack, log, persistTo, cleanup } = await startTestStack());
  });
  afterAll(async () => {
    await restarted?.stop();
    await cleanup?.();
  });

  const output = () => log.join("");
  const api = () => apiClient(stack.origin, stack.demo.api_key);
  const newCode = async () => {
    const created = await api()("/v1/codes", { method: "POST", body: { url: "https://example.com/faults" } });
    expect(created.status).toBe(201);
    return created.json.data as { id: string; short_code: string };
  };
  const scan = (origin: string, shortCode: string) => fetch(`${origin}/${shortCode}`, { redirect: "manual", headers: { "user-agent": IPHONE } });
  // The demo workspace's codes and scans live in its shard.
  const stored = (codeId: string) => queryD1<{ id: string }>(persistTo, stack.demo.shard, "SELECT id FROM scans WHERE code_id = ?1", codeId).map((r) => r.id);
  /** The code's counters and its rows agree: nothing half-stored, nothing counted twice. */
  const counters = (codeId: string) =>
    queryD1<{ rows: number; total_scans: number }>(
      persistTo,
      stack.demo.shard,
      "SELECT (SELECT count(*) FROM scans WHERE code_id = ?1 AND is_bot = 0) AS rows, total_scans FROM codes WHERE id = ?1",
      codeId,
    )[0]!;

  it("keeps every scan while KV refuses the redirector's writes, hashing with a salt of the isolate's own", async () => {
    await clearOfMidnight();
    const code = await newCode();
    // Nothing has made today's salt yet, so the redirector must write it. The daily cron, run as
    // if three days ahead, creates the namespace's storage with salts of later days only.
    const cron = await fetch(`${stack.origin}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("5 0 * * *")}&time=${Date.now() + 3 * DAY}`);
    expect(cron.status).toBe(200);
    const refusedBefore = loggedEvents(output(), "salt_unavailable").length;
    const lostBefore = loggedEvents(output(), "scan_enqueue_failed").length;

    let answered = 0;
    const lock = holdKvWriteLock(persistTo);
    try {
      for (let i = 0; i < 20; i++) if ((await scan(stack.origin, code.short_code)).status === 302) answered++;
      expect(answered).toBe(20);
      expect(await waitFor(() => stored(code.id).length, (n) => n >= 20)).toBe(20);
    } finally {
      lock.release();
    }
    // The fault really hit: the salt could not be written.
    expect(loggedEvents(output(), "salt_unavailable").length).toBeGreaterThan(refusedBefore);
    // KV takes writes again: later scans are stored as well, and nothing was lost.
    for (let i = 0; i < 10; i++) if ((await scan(stack.origin, code.short_code)).status === 302) answered++;
    expect(await waitFor(() => stored(code.id).length, (n) => n >= 30)).toBe(answered);
    expect(loggedEvents(output(), "scan_enqueue_failed").length).toBe(lostBefore);
    expect(counters(code.id)).toEqual({ rows: 30, total_scans: 30 });
  });

  it("retries with backoff while D1 refuses writes, and stores every answered scan once", async () => {
    await clearOfMidnight();
    const code = await newCode();
    const before = loggedEvents(output(), "scan_store_failed").length;
    // Scans arrive for five seconds; D1 is locked from the first second to the fourth.
    const outage = (async () => {
      await sleep(1000);
      const lock = holdWriteLock([d1File(persistTo, stack.demo.shard)]);
      await sleep(3000);
      lock.release();
    })();
    const load = await runLoad({ url: `${stack.origin}/${code.short_code}`, connections: 4, durationMs: 5000, headers: { "user-agent": IPHONE } });
    await outage;
    const answered = load.statuses.get(302) ?? 0;
    expect([load.errors, load.requests]).toEqual([0, answered]);
    expect(await waitFor(() => stored(code.id).length, (n) => n >= answered, 40_000)).toBe(answered);
    // The fault really hit: batches failed, and were stored when retried.
    expect(loggedEvents(output(), "scan_store_failed").length).toBeGreaterThan(before);
    expect(counters(code.id)).toEqual({ rows: answered, total_scans: answered });
    const stats = await api()(`/v1/codes/${code.id}/scans?days=1`);
    expect(stats.json.data).toMatchObject({ total_scans: answered, period_scans: answered });
  });

  it("is not reloaded, and loses nothing, when the working tree's sources change while it runs", async () => {
    await clearOfMidnight();
    const code = await newCode();
    const reloads = () => output().split("Reloading local server").length - 1;
    const before = reloads();
    // wrangler dev reloads on a file's change, its content the same or not: touching is enough,
    // and changes nobody's work.
    const touch = (async () => {
      await sleep(500);
      const now = new Date();
      for (const file of ["workers/redirect/src/index.ts", "workers/ingest/src/index.ts", "wrangler.ingest.toml"]) utimesSync(join(ROOT, file), now, now);
    })();
    const load = await runLoad({ url: `${stack.origin}/${code.short_code}`, connections: 8, durationMs: 3000, headers: { "user-agent": IPHONE } });
    await touch;
    const answered = load.statuses.get(302) ?? 0;
    expect([load.errors, load.requests]).toEqual([0, answered]);
    expect(await waitFor(() => stored(code.id).length, (n) => n >= answered, 15_000)).toBe(answered);
    expect(reloads()).toBe(before);
  });

  it("keeps what was stored, counted once, when killed mid-batch, and takes scans again once restarted", async () => {
    await clearOfMidnight();
    const code = await newCode();
    // Scans are in flight everywhere when the stack dies: in the redirector's batch, in the local
    // queue, in the consumer's D1 write.
    const load = runLoad({ url: `${stack.origin}/${code.short_code}`, connections: 8, durationMs: 4000, headers: { "user-agent": IPHONE } });
    await sleep(2000);
    const exited = new Promise((resolve) => stack.process.once("exit", resolve));
    process.kill(-stack.process.pid!, "SIGKILL");
    await exited;
    const answered = (await load).statuses.get(302) ?? 0;
    expect(answered).toBeGreaterThan(0);

    // What D1 holds is whole: every row counted once, however the kill fell.
    const atKill = stored(code.id);
    expect(atKill.length).toBeLessThanOrEqual(answered);
    expect(counters(code.id)).toEqual({ rows: atKill.length, total_scans: atKill.length });

    restarted = await startStack({ persistTo, port: await freePort(), output: (chunk) => log.push(chunk), snapshot: true });
    // The local queue broker keeps its messages in memory: what it held died with the process
    // (production's queues are durable and deliver them after a restart). Nothing stored is lost.
    await sleep(3000);
    expect(stored(code.id)).toEqual(expect.arrayContaining(atKill));
    const kept = stored(code.id).length;
    expect(kept).toBeLessThanOrEqual(answered);

    for (let i = 0; i < 20; i++) expect((await scan(restarted.origin, code.short_code)).status).toBe(302);
    expect(await waitFor(() => stored(code.id).length, (n) => n >= kept + 20)).toBe(kept + 20);
    expect(counters(code.id)).toEqual({ rows: kept + 20, total_scans: kept + 20 });
    const stats = await apiClient(restarted.origin, stack.demo.api_key)(`/v1/codes/${code.id}/scans?days=1`);
    expect(stats.json.data).toMatchObject({ total_scans: kept + 20, period_scans: kept + 20 });
  });
});
