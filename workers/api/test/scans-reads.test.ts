// A read of the scans writes nothing: the scans still waiting to be folded are counted beside the
// summaries, never folded by the read, so that a read can be served by a read replica.
import { DAY_MS } from "@qr3/core";
import { SUMMARY_TABLES } from "@qr3/db";
import { describe, expect, it } from "vitest";
import { call, seedKey } from "./helpers.ts";
import { scanRow, storeScans } from "./scan-rows.ts";

describe("reading the scans", () => {
  it("leaves the shard's scans waiting to be folded where they are, and counts them", async () => {
    const { key, workspace, db } = await seedKey("pro", "Reader", 2);
    const code = { ...(await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com/" } })).json.data, workspace_id: workspace.id };
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    const visitor = "a".repeat(64);
    await storeScans([scanRow(code, ago(3 * DAY_MS), { ip_hash: visitor }), scanRow(code, ago(2 * DAY_MS)), scanRow(code, ago(DAY_MS), { is_bot: 1 })]);
    // Waiting: a visitor seen on a folded day, a new one, a bot.
    const waiting = [
      scanRow(code, ago(3 * DAY_MS - 60_000), { ip_hash: visitor }),
      scanRow(code, ago(60_000), { ip_hash: "b".repeat(64) }),
      scanRow(code, ago(120_000), { is_bot: 1 }),
    ];
    await storeScans(waiting, { fold: false });

    const tail = () => db.prepare("SELECT count(*) AS n FROM scan_tail").first<number>("n");
    const summaries = async () => {
      const out: unknown[] = [];
      for (const table of SUMMARY_TABLES) {
        out.push((await db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2, 3, 4`).all()).results);
      }
      return out;
    };
    expect(await tail()).toBe(waiting.length);
    const before = await summaries();

    for (const [path, scans] of [
      [`/v1/codes/${code.id}/scans`, 4],
      [`/v1/codes/${code.id}/scans?days=30&tz=Asia/Kathmandu&include_bots=true`, 6],
      [`/v1/workspaces/${workspace.id}/scans`, 4],
      [`/v1/workspaces/current/scans?tz=America/St_Johns&include_bots=true`, 6],
    ] as const) {
      for (const method of ["GET", "HEAD"]) {
        const res = await call(path, { key, method });
        expect(res.status, `${method} ${path}`).toBe(200);
        if (method === "GET") expect(res.json.data.period_scans, path).toBe(scans);
        expect(await tail(), `${method} ${path}`).toBe(waiting.length);
        expect(await summaries(), `${method} ${path}`).toEqual(before);
      }
    }
  });
});
