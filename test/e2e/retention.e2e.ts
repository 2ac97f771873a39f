// Retention and privacy over the real local stack: a free workspace's scans are gone from the
// analytics and the export once the daily cron runs eight days later, its counters are not, and
// the raw IP is nowhere: not in the database, not in the logs.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLocal } from "../../scripts/lib/d1.ts";
import type { Stack } from "../../scripts/lib/stack.ts";
import { apiClient, startTestStack, waitFor } from "./helpers.ts";
import { checkedApi } from "./contract.ts";

const run = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;
const IP = "192.0.2.201";
const DAY = 86_400_000;

let stack: Stack;
let log: string[];
let persistTo: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ stack, log, persistTo, cleanup } = await startTestStack());
});
afterAll(async () => {
  await cleanup?.();
});

const scan = (shortCode: string) =>
  fetch(`${stack.origin}/${shortCode}`, { redirect: "manual", headers: { "x-dev-ip": IP, "x-dev-country": "AT", "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1" } });

describe("retention and privacy over the local stack", () => {
  let api: ReturnType<typeof apiClient>;
  let freeCode: { id: string; short_code: string };
  let proCode: { id: string; short_code: string };

  it("records scans on a free and a pro workspace", async () => {
    const { stdout } = await run("node", ["scripts/admin.ts", "create-workspace", "--name", "Free Co", "--plan", "free", "--shard", "1", "--persist-to", persistTo], { cwd: ROOT });
    const created = JSON.parse(stdout);
    expect(created.shard).toBe(1); // not the demo workspace's shard 0: the cron purges every shard
    api = apiClient(stack.origin, created.api_key);
    const ws = await api(`/v1/workspaces/${created.workspace_id}`);
    expect(ws.json.data).toMatchObject({ plan: "free", retention_days: 7 });

    freeCode = (await api("/v1/codes", { method: "POST", body: { url: "https://example.com/free" } })).json.data;
    proCode = (await apiClient(stack.origin, stack.demo.api_key)("/v1/codes", { method: "POST", body: { url: "https://example.com/pro" } })).json.data;
    for (const code of [freeCode, freeCode, freeCode, proCode]) expect((await scan(code.short_code)).status).toBe(302);

    const stats = await waitFor(() => api(`/v1/codes/${freeCode.id}/scans?days=7`), (r) => r.json.data.period_scans === 3);
    expect(stats.json.data).toMatchObject({ total_scans: 3, period_scans: 3 });
    const csv = await checkedApi(stack.origin)(`${stack.origin}/v1/codes/${freeCode.id}/scans/export`, { headers: { authorization: `Bearer ${created.api_key}` } });
    expect((await csv.text()).trimEnd().split("\r\n")).toHaveLength(4); // header + 3 scans
  });

  it("purges them when the daily cron runs eight days later, keeping total_scans", async () => {
    const time = Date.now() + 8 * DAY;
    const cron = await fetch(`${stack.origin}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("5 0 * * *")}&time=${time}`);
    expect(cron.status).toBe(200);

    // The cron hands each shard's purge to a maintenance message of its own, run just after.
    const stats = await waitFor(() => api(`/v1/codes/${freeCode.id}/scans?days=7`), (r) => r.json.data.period_scans === 0);
    expect(stats.json.data).toMatchObject({ total_scans: 3, period_scans: 0, scans_by_day: [], top_countries: [] });
    const ndjson = await api(`/v1/codes/${freeCode.id}/scans/export?format=ndjson`);
    expect(ndjson).toMatchObject({ status: 200, json: null }); // an empty body: nothing to export
    const code = await api(`/v1/codes/${freeCode.id}`);
    expect(code.json.data.total_scans).toBe(3);

    // The pro workspace keeps 90 days: its scan is still there.
    const pro = await apiClient(stack.origin, stack.demo.api_key)(`/v1/codes/${proCode.id}/scans`);
    expect(pro.json.data.period_scans).toBe(1);
  });

  it("changes a plan and deletes a workspace with everything of it through the admin command", async () => {
    const admin = async (...args: string[]) => JSON.parse((await run("node", ["scripts/admin.ts", ...args, "--persist-to", persistTo], { cwd: ROOT })).stdout);
    const created = await admin("create-workspace", "--name", "Short-lived", "--plan", "pro");
    const upgraded = await admin("set-plan", "--workspace", created.workspace_id, "--plan", "enterprise", "--retention-days", "1000");
    expect(upgraded).toEqual({ workspace_id: created.workspace_id, plan: "enterprise", retention_days: 1000 });
    const own = apiClient(stack.origin, created.api_key);
    expect((await own(`/v1/workspaces/${created.workspace_id}`)).json.data.retention_days).toBe(1000);

    const code = (await own("/v1/codes", { method: "POST", body: { url: "https://example.com/x" } })).json.data;
    await scan(code.short_code);
    await waitFor(() => own(`/v1/codes/${code.id}`), (r) => r.json.data.total_scans === 1);

    const deleted = await admin("delete-workspace", "--workspace", created.workspace_id);
    expect(deleted).toEqual({ workspace_id: created.workspace_id, shard: created.shard, deleted: true, codes: 1, scans: 1 });
    expect((await own("/v1/codes")).status).toBe(401);
    expect((await scan(code.short_code)).status).toBe(404);
  });

  it("never stored or logged the raw IP", async () => {
    expect(log.join("")).not.toContain(IP);
    await stack.stop();
    const target = await openLocal(persistTo);
    try {
      // Every database of the stack: the control database and each shard.
      for (const [database, db] of [["CONTROL", target.control] as const, ...target.shards.map((db, n) => [`SHARD_${n}`, db] as const)]) {
        const tables = (await db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{ name: string }>()).results;
        expect(tables.length, database).toBeGreaterThan(0);
        for (const { name } of tables) {
          const rows = (await db.prepare(`SELECT * FROM "${name}"`).all()).results;
          expect(JSON.stringify(rows), `${database}.${name}`).not.toContain(IP);
        }
      }
      const scans = (await target.shards[stack.demo.shard]!.prepare("SELECT lower(hex(ip_hash)) AS ip_hash FROM scans WHERE code_id = ?1").bind(proCode.id).all<{ ip_hash: string }>()).results;
      expect(scans).toEqual([{ ip_hash: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    } finally {
      await target.close();
    }
  });
});
