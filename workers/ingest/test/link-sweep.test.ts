// The link sweep: KV records the API failed to write (or wrote in the wrong order) are rewritten
// from D1 by the frequent cron, once their short code has been quiet for a minute. Each shard's
// maintenance sweeps the marks of its codes, reading what KV must hold through the control
// database's directory of short codes.
import { env } from "cloudflare:workers";
import { linkKey, linkRecord, shardDb, shardNumbers, type LinkRecord } from "@qr3/core";
import { clearLinkSyncs, deleteCode, deleteWorkspace, deleteWorkspaceRecord, getCode, listShortCodes, releaseShortCode, updateCode } from "@qr3/db";
import { describe, expect, it, vi } from "vitest";
import { LINK_QUIET_SECONDS } from "../src/link-sweep.ts";
import { firstOnShards, scanRow, seedCode, seedWorkspace, storeScanRows } from "../../../test/fixtures.ts";
import { FREQUENT, runCron } from "./cron.ts";

const frequentCron = (testEnv: Env = env) => runCron(testEnv, FREQUENT, Date.now());

const link = (shortCode: string) => env.LINKS.get<LinkRecord>(linkKey(shortCode), "json");
const putLink = (shortCode: string, record: LinkRecord) => env.LINKS.put(linkKey(shortCode), JSON.stringify(record));
/** The short code's mark, in whichever shard holds one (a short code that passed between shards may have one in each). */
const mark = async (shortCode: string) =>
  (await firstOnShards<{ changed_at: string }>(env, "SELECT changed_at FROM link_syncs WHERE short_code = ?1", shortCode))?.row.changed_at ?? null;
const eachShard = (sql: string, ...params: unknown[]) => Promise.all(shardNumbers(env).map((n) => shardDb(env, n).prepare(sql).bind(...params).run()));

/** Clears the short code's marks, as a sweep does once KV matches D1. */
const settle = (shortCode: string) => eachShard("DELETE FROM link_syncs WHERE short_code = ?1", shortCode);

/** Dates the short code's marks back, as if its change (and the lost KV write) were minutes old. */
const ageMark = (shortCode: string, seconds = 10 * 60) =>
  eachShard("UPDATE link_syncs SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d seconds', ?2)) WHERE short_code = ?1", shortCode, seconds);

/** The KV record of a code as its shard holds it now. */
const recordOf = async (code: { id: string; workspace_id: string; shard: number }) =>
  linkRecord((await getCode(shardDb(env, code.shard), code.workspace_id, code.id))!, code.shard);

/** Deletes a code as the API does: in its shard, then its short code's row in the directory. */
async function removeCode(code: { id: string; workspace_id: string; short_code: string; shard: number }) {
  await deleteCode(shardDb(env, code.shard), code.workspace_id, code.id, new Date().toISOString());
  await releaseShortCode(env.CONTROL, code.short_code, code.id);
}

describe("link sweep", () => {
  it("rewrites a record that D1 has moved past, and clears the mark", async () => {
    const ws = await seedWorkspace(env);
    const code = await seedCode(env, ws, "sweep-stale");
    const stale = await recordOf(code);
    expect(stale.shard).toBe(ws.shard);
    await putLink("sweep-stale", stale);
    await settle("sweep-stale");
    // A PATCH whose KV write was lost.
    const changed = (await updateCode(ws.db, ws.id, code.id, { url: "https://example.com/moved" }, new Date().toISOString()))!;
    await ageMark("sweep-stale");

    await frequentCron();
    expect(await link("sweep-stale")).toEqual({ ...stale, url: "https://example.com/moved", version: changed.version });
    expect(changed.version).toBe(stale.version! + 1);
    expect(await mark("sweep-stale")).toBeNull();
  });

  it("removes the record a deleted code left behind", async () => {
    const ws = await seedWorkspace(env);
    const code = await seedCode(env, ws, "sweep-gone");
    await putLink("sweep-gone", await recordOf(code));
    await settle("sweep-gone");
    await removeCode(code);
    await ageMark("sweep-gone");

    await frequentCron();
    expect(await link("sweep-gone")).toBeNull();
    expect(await mark("sweep-gone")).toBeNull();
  });

  it("frees the short code of a code deleted in its shard whose release was lost, once claimed long enough ago", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const ws = await seedWorkspace(env);
      const code = await seedCode(env, ws, "sweep-orphan");
      await putLink("sweep-orphan", await recordOf(code));
      await settle("sweep-orphan");
      // Deleted in the shard; the release in the directory did not happen.
      await deleteCode(ws.db, ws.id, code.id, new Date().toISOString());
      await env.CONTROL.prepare("UPDATE short_codes SET created_at = ?2 WHERE short_code = ?1")
        .bind("sweep-orphan", new Date(Date.now() - 10 * 60_000).toISOString())
        .run();
      await ageMark("sweep-orphan");

      await frequentCron();
      expect(await link("sweep-orphan")).toBeNull();
      expect(await env.CONTROL.prepare("SELECT count(*) AS n FROM short_codes WHERE short_code = ?1").bind("sweep-orphan").first("n")).toBe(0);
      const released = warn.mock.calls.map((c) => JSON.parse(String(c[0]))).filter((l) => l.event === "short_codes_released");
      expect(released).toEqual([{ event: "short_codes_released", shard: ws.shard, short_codes: ["sweep-orphan"] }]);
    } finally {
      warn.mockRestore();
    }
  });

  it("leaves the directory row of a code whose create is younger than the quiet time", async () => {
    const ws = await seedWorkspace(env);
    const code = await seedCode(env, ws, "sweep-new-claim");
    // As a create that has claimed its short code and not yet written the code to its shard.
    await ws.db.prepare("DELETE FROM codes WHERE id = ?1").bind(code.id).run();
    await ageMark("sweep-new-claim");
    await frequentCron();
    expect(await env.CONTROL.prepare("SELECT code_id FROM short_codes WHERE short_code = ?1").bind("sweep-new-claim").first("code_id")).toBe(code.id);
  });

  it("gives the record to the code that claimed the freed short code, in another shard", async () => {
    const [a, b] = [await seedWorkspace(env), await seedWorkspace(env)];
    expect(a.shard).not.toBe(b.shard);
    const old = await seedCode(env, a, "sweep-claim");
    await putLink("sweep-claim", await recordOf(old));
    await settle("sweep-claim");
    await removeCode(old);
    const claimed = await seedCode(env, b, "sweep-claim");
    await ageMark("sweep-claim");

    await frequentCron();
    expect(await link("sweep-claim")).toEqual(await recordOf(claimed));
    expect((await link("sweep-claim"))!.shard).toBe(b.shard);
  });

  it("removes the records of a deleted workspace's codes, deleted by the cascade", async () => {
    const ws = await seedWorkspace(env);
    const codes = [await seedCode(env, ws, "sweep-ws-1"), await seedCode(env, ws, "sweep-ws-2")];
    for (const code of codes) {
      await putLink(code.short_code, await recordOf(code));
      await settle(code.short_code);
    }
    // As the API deletes a workspace: everything in its shard, then its row in the control database.
    expect((await listShortCodes(ws.db, ws.id)).sort()).toEqual(["sweep-ws-1", "sweep-ws-2"]);
    await deleteWorkspace(ws.db, ws.id, new Date().toISOString());
    await deleteWorkspaceRecord(env.CONTROL, ws.id);
    for (const code of codes) {
      expect(await ws.db.prepare("SELECT count(*) AS n FROM link_syncs WHERE short_code = ?1").bind(code.short_code).first("n")).toBe(1);
      await ageMark(code.short_code);
    }

    await frequentCron();
    for (const code of codes) expect(await link(code.short_code)).toBeNull();
  });

  it("leaves a change younger than a minute to the request that made it", async () => {
    const ws = await seedWorkspace(env);
    const code = await seedCode(env, ws, "sweep-young");
    await ageMark("sweep-young", LINK_QUIET_SECONDS - 20);

    await frequentCron();
    expect(await link("sweep-young")).toBeNull();
    expect(await mark("sweep-young")).not.toBeNull();

    await ageMark("sweep-young", LINK_QUIET_SECONDS + 1);
    await frequentCron();
    expect(await link("sweep-young")).toEqual(await recordOf(code));
  });

  it("ends with a change that the API made while the sweep was writing KV", async () => {
    const ws = await seedWorkspace(env);
    const code = await seedCode(env, ws, "sweep-overtaken");
    await ageMark("sweep-overtaken");
    let changed: Awaited<ReturnType<typeof updateCode>> = null;
    // The API changes the code (and writes KV) just before the sweep's write of the older state lands.
    const links = new Proxy(env.LINKS, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (prop === "put" && changed === null) {
          return async (...args: Parameters<KVNamespace["put"]>) => {
            changed = await updateCode(ws.db, ws.id, code.id, { status: "disabled" }, new Date().toISOString());
            await target.put(linkKey("sweep-overtaken"), JSON.stringify(linkRecord(changed!, ws.shard)));
            return target.put(...args);
          };
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    await frequentCron({ ...env, LINKS: links });
    expect(changed).not.toBeNull();
    expect(await link("sweep-overtaken")).toEqual(linkRecord(changed!, ws.shard));
    // The change's mark stays, for a later run to check once the code is quiet.
    expect(await mark("sweep-overtaken")).not.toBeNull();
  });

  it("is not fed by scans: counting them changes nothing of the record", async () => {
    const ws = await seedWorkspace(env);
    const code = await seedCode(env, ws, "sweep-scanned");
    await settle("sweep-scanned");
    await storeScanRows(ws.db, [scanRow(code, new Date().toISOString()), scanRow(code, new Date().toISOString(), { is_bot: 1 })]);
    expect((await getCode(ws.db, ws.id, code.id))!).toMatchObject({ total_scans: 1, bot_scans: 1, version: 1 });
    expect(await mark("sweep-scanned")).toBeNull();
  });

  it("keeps the mark of a short code changed after it was listed", async () => {
    const ws = await seedWorkspace(env);
    await seedCode(env, ws, "sweep-renewed");
    const listed = (await mark("sweep-renewed"))!;
    await ageMark("sweep-renewed", 30); // renewed: no longer the value listed
    expect(await clearLinkSyncs(ws.db, [{ short_code: "sweep-renewed", changed_at: listed }])).toEqual([]);
    expect(await mark("sweep-renewed")).not.toBeNull();
  });
});
