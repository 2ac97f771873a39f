// The link sweep: KV records the API failed to write (or wrote in the wrong order) are rewritten
// from D1 by the frequent cron, once their short code has been quiet for a minute.
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { linkKey, linkRecord, type LinkRecord } from "@qr3/core";
import { deleteCode, deleteWorkspace, getCode, updateCode } from "@qr3/db";
import { describe, expect, it } from "vitest";
import worker from "../src/index.ts";
import { LINK_QUIET_SECONDS } from "../src/link-sweep.ts";
import { scanRow, seedCode, seedWorkspace, storeScanRows } from "../../../test/fixtures.ts";

const frequentCron = () => worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), env);

const link = (shortCode: string) => env.LINKS.get<LinkRecord>(linkKey(shortCode), "json");
const putLink = (shortCode: string, record: LinkRecord) => env.LINKS.put(linkKey(shortCode), JSON.stringify(record));
const mark = (shortCode: string) => env.DB.prepare("SELECT changed_at FROM link_syncs WHERE short_code = ?1").bind(shortCode).first<string>("changed_at");

/** Clears the short code's mark, as a sweep does once KV matches D1. */
const settle = (shortCode: string) => env.DB.prepare("DELETE FROM link_syncs WHERE short_code = ?1").bind(shortCode).run();

/** Dates the short code's mark back, as if its change (and the lost KV write) were minutes old. */
const ageMark = (shortCode: string, seconds = 10 * 60) =>
  env.DB.prepare("UPDATE link_syncs SET changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d seconds', ?2)) WHERE short_code = ?1")
    .bind(shortCode, seconds)
    .run();

describe("link sweep", () => {
  it("rewrites a record that D1 has moved past, and clears the mark", async () => {
    const ws = await seedWorkspace(env.DB);
    const code = await seedCode(env.DB, ws.id, "sweep-stale");
    const stale = linkRecord((await getCode(env.DB, ws.id, code.id))!);
    await putLink("sweep-stale", stale);
    await settle("sweep-stale");
    // A PATCH whose KV write was lost.
    const changed = (await updateCode(env.DB, ws.id, code.id, { url: "https://example.com/moved" }, new Date().toISOString()))!;
    await ageMark("sweep-stale");

    await frequentCron();
    expect(await link("sweep-stale")).toEqual({ ...stale, url: "https://example.com/moved", version: changed.version });
    expect(changed.version).toBe(stale.version! + 1);
    expect(await mark("sweep-stale")).toBeNull();
  });

  it("removes the record a deleted code left behind", async () => {
    const ws = await seedWorkspace(env.DB);
    const code = await seedCode(env.DB, ws.id, "sweep-gone");
    await putLink("sweep-gone", linkRecord((await getCode(env.DB, ws.id, code.id))!));
    await settle("sweep-gone");
    await deleteCode(env.DB, ws.id, code.id, new Date().toISOString());
    await ageMark("sweep-gone");

    await frequentCron();
    expect(await link("sweep-gone")).toBeNull();
    expect(await mark("sweep-gone")).toBeNull();
  });

  it("gives the record to the code that claimed the freed short code", async () => {
    const [a, b] = [await seedWorkspace(env.DB), await seedWorkspace(env.DB)];
    const old = await seedCode(env.DB, a.id, "sweep-claim");
    await putLink("sweep-claim", linkRecord((await getCode(env.DB, a.id, old.id))!));
    await settle("sweep-claim");
    await deleteCode(env.DB, a.id, old.id, new Date().toISOString());
    const claimed = await seedCode(env.DB, b.id, "sweep-claim");
    await ageMark("sweep-claim");

    await frequentCron();
    expect(await link("sweep-claim")).toEqual(linkRecord((await getCode(env.DB, b.id, claimed.id))!));
  });

  it("removes the records of a deleted workspace's codes, deleted by the cascade", async () => {
    const ws = await seedWorkspace(env.DB);
    const codes = [await seedCode(env.DB, ws.id, "sweep-ws-1"), await seedCode(env.DB, ws.id, "sweep-ws-2")];
    for (const code of codes) {
      await putLink(code.short_code, linkRecord((await getCode(env.DB, ws.id, code.id))!));
      await settle(code.short_code);
    }
    await deleteWorkspace(env.DB, ws.id, new Date().toISOString());
    for (const code of codes) {
      expect(await mark(code.short_code)).not.toBeNull();
      await ageMark(code.short_code);
    }

    await frequentCron();
    for (const code of codes) expect(await link(code.short_code)).toBeNull();
  });

  it("leaves a change younger than a minute to the request that made it", async () => {
    const ws = await seedWorkspace(env.DB);
    const code = await seedCode(env.DB, ws.id, "sweep-young");
    await ageMark("sweep-young", LINK_QUIET_SECONDS - 20);

    await frequentCron();
    expect(await link("sweep-young")).toBeNull();
    expect(await mark("sweep-young")).not.toBeNull();

    await ageMark("sweep-young", LINK_QUIET_SECONDS + 1);
    await frequentCron();
    expect(await link("sweep-young")).toEqual(linkRecord((await getCode(env.DB, ws.id, code.id))!));
  });

  it("ends with a change that the API made while the sweep was writing KV", async () => {
    const ws = await seedWorkspace(env.DB);
    const code = await seedCode(env.DB, ws.id, "sweep-overtaken");
    await ageMark("sweep-overtaken");
    let changed: Awaited<ReturnType<typeof updateCode>> = null;
    // The API changes the code (and writes KV) just before the sweep's write of the older state lands.
    const links = new Proxy(env.LINKS, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (prop === "put" && changed === null) {
          return async (...args: Parameters<KVNamespace["put"]>) => {
            changed = await updateCode(env.DB, ws.id, code.id, { status: "disabled" }, new Date().toISOString());
            await target.put(linkKey("sweep-overtaken"), JSON.stringify(linkRecord(changed!)));
            return target.put(...args);
          };
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), { ...env, LINKS: links });
    expect(changed).not.toBeNull();
    expect(await link("sweep-overtaken")).toEqual(linkRecord(changed!));
    // The change's mark stays, for a later run to check once the code is quiet.
    expect(await mark("sweep-overtaken")).not.toBeNull();
  });

  it("is not fed by scans: counting them changes nothing of the record", async () => {
    const ws = await seedWorkspace(env.DB);
    const code = await seedCode(env.DB, ws.id, "sweep-scanned");
    await settle("sweep-scanned");
    await storeScanRows(env.DB, [scanRow(code, new Date().toISOString()), scanRow(code, new Date().toISOString(), { is_bot: 1 })]);
    expect((await getCode(env.DB, ws.id, code.id))!).toMatchObject({ total_scans: 1, bot_scans: 1, version: 1 });
    expect(await mark("sweep-scanned")).toBeNull();
  });

  it("keeps the mark of a short code changed after it was listed", async () => {
    const { clearLinkSyncs } = await import("@qr3/db");
    const ws = await seedWorkspace(env.DB);
    await seedCode(env.DB, ws.id, "sweep-renewed");
    const listed = (await mark("sweep-renewed"))!;
    await ageMark("sweep-renewed", 30); // renewed: no longer the value listed
    expect(await clearLinkSyncs(env.DB, [{ short_code: "sweep-renewed", changed_at: listed }])).toEqual([]);
    expect(await mark("sweep-renewed")).not.toBeNull();
  });
});
