// A code's scan cap (routing.max_scans), reached through the consumer: the batch that counts the
// cap's scan marks the code capped in its own transaction, moves its version, and writes its KV
// record so that the redirector sends later scans to the fallback. Bots do not count. And the
// destination a scan was counted by, for top_destinations.
import { env } from "cloudflare:workers";
import { linkKey, shardDb, shardNumbers } from "@qr3/core";
import { foldScans } from "@qr3/db";
import { beforeEach, describe, expect, it } from "vitest";
import { scanMessage, seedCode, seedWorkspace } from "../../../test/fixtures.ts";
import { runScanBatch } from "./scan-batch.ts";

type Code = Awaited<ReturnType<typeof seedCode>>;
let code: Code;
let db: D1Database;

beforeEach(async () => {
  for (const n of shardNumbers(env)) await foldScans(shardDb(env, n));
  code = await seedCode(env, await seedWorkspace(env));
  db = shardDb(env, code.shard);
});

const GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
const setRouting = (routing: unknown) => db.prepare("UPDATE codes SET routing = ?2 WHERE id = ?1").bind(code.id, JSON.stringify(routing)).run();
const row = () => db.prepare("SELECT total_scans, capped_at, version FROM codes WHERE id = ?1").bind(code.id).first<{ total_scans: number; capped_at: string | null; version: number }>();
const record = async () => JSON.parse((await env.LINKS.get(linkKey(code.short_code))) ?? "null");

describe("a code's scan cap", () => {
  it("is reached by the batch that counts its max_scans-th person, which writes the KV record", async () => {
    await setRouting({ max_scans: 3, fallback_url: "https://example.com/sold-out" });
    await runScanBatch([scanMessage(code), scanMessage(code), scanMessage(code, { user_agent: GOOGLEBOT })], env);
    expect(await row()).toMatchObject({ total_scans: 2, capped_at: null, version: 1 });
    expect(await record()).toBeNull(); // nothing was written: under the cap

    await runScanBatch([scanMessage(code), scanMessage(code)], env);
    const capped = (await row())!;
    expect(capped).toMatchObject({ total_scans: 4, version: 2 });
    expect(capped.capped_at).toMatch(/Z$/);
    expect(await record()).toMatchObject({ code_id: code.id, capped: true, version: 2, routing: { max_scans: 3, fallback_url: "https://example.com/sold-out" } });
    // The short code is marked for the link sweep too, in case the write had been lost.
    expect(await db.prepare("SELECT count(*) AS n FROM link_syncs WHERE short_code = ?1").bind(code.short_code).first("n")).toBe(1);

    // Later batches leave it capped once, at the time it was.
    await runScanBatch([scanMessage(code)], env);
    expect(await row()).toMatchObject({ total_scans: 5, capped_at: capped.capped_at, version: 2 });
  });

  it("is not reached by bots, nor by a code without one", async () => {
    await setRouting({ max_scans: 1 });
    await runScanBatch([scanMessage(code, { user_agent: GOOGLEBOT }), scanMessage(code, { method: "HEAD" })], env);
    expect(await row()).toMatchObject({ total_scans: 0, capped_at: null });
    await setRouting({ variants: [{ url: "https://example.com/a", weight: 50 }, { url: "https://example.com/b", weight: 50 }] });
    await runScanBatch([scanMessage(code), scanMessage(code)], env);
    expect(await row()).toMatchObject({ total_scans: 2, capped_at: null, version: 1 });
  });
});

describe("a scan's destination", () => {
  it("is counted by the destination the message names, else by the URL it was sent to", async () => {
    await runScanBatch(
      [
        scanMessage(code, { redirected_to: "https://example.com/a?table=1", destination: "https://example.com/a" }),
        scanMessage(code, { redirected_to: "https://example.com/a?table=2", destination: "https://example.com/a" }),
        scanMessage(code, { redirected_to: "https://example.com/b" }),
      ],
      env,
    );
    const waiting = await db.prepare("SELECT destination FROM scan_tail WHERE code_id = ?1 ORDER BY destination").bind(code.id).all<{ destination: string }>();
    expect(waiting.results.map((r) => r.destination)).toEqual(["https://example.com/a", "https://example.com/a", "https://example.com/b"]);
    await foldScans(db);
    const counted = await db
      .prepare("SELECT value, scans FROM scan_dims WHERE scope = ?1 AND dim = 'destination' ORDER BY value")
      .bind(code.id)
      .all<{ value: string; scans: number }>();
    expect(counted.results).toEqual([
      { value: "https://example.com/a", scans: 2 },
      { value: "https://example.com/b", scans: 1 },
    ]);
    const stored = await db.prepare("SELECT redirected_to FROM scans WHERE code_id = ?1 ORDER BY redirected_to").bind(code.id).all<{ redirected_to: string }>();
    expect(stored.results.map((r) => r.redirected_to)).toEqual(["https://example.com/a?table=1", "https://example.com/a?table=2", "https://example.com/b"]);
  });
});
