// Concurrent writes to one code: whatever order the API's D1 and KV writes interleave in, the KV
// record the redirector reads must end as D1 has the short code. The workspace that claims a
// freed short code is on another shard than the one that freed it.
import { env } from "cloudflare:workers";
import { shardDb } from "@qr3/core";
import { describe, expect, it, vi } from "vitest";
import { addKey, call, callWithEnv, seedKey } from "./helpers.ts";
import { holdFirstPut } from "./held-kv.ts";

const ROUNDS = 30;
const LONG = 60_000;

const link = (shortCode: string) => env.LINKS.get<{ code_id: string; url: string; shard: number }>(`code:${shortCode}`, "json");

const create = (key: string, shortCode: string, url: string) => call("/v1/codes", { method: "POST", key, body: { url, short_code: shortCode } });

// Each round writes with a key of its own: the rounds together make more writes than one key may
// in a minute (RATE_LIMITS), and the races are within a round.
const patches = (key: string, id: string, round: number, from: number) =>
  Array.from({ length: 5 }, (_, i) => call(`/v1/codes/${id}`, { method: "PATCH", key, body: { url: `https://example.com/${round}/${from + i}` } }));

describe("concurrent requests through the fetch handler", () => {
  it(
    "leave no KV record once a DELETE sent among PATCHes has deleted the code",
    async () => {
      const { workspace } = await seedKey();
      for (let round = 0; round < ROUNDS; round++) {
        const { key } = await addKey(workspace);
        const shortCode = `race-${round}`;
        const created = (await create(key, shortCode, "https://example.com/0")).json.data;
        await Promise.all([...patches(key, created.id, round, 0), call(`/v1/codes/${created.id}`, { method: "DELETE", key }), ...patches(key, created.id, round, 5)]);
        expect((await call(`/v1/codes/${created.id}`, { key })).status).toBe(404);
        expect(await link(shortCode), `round ${round}`).toBeNull();
      }
    },
    LONG,
  );

  it(
    "leave the KV record to the workspace that claims the freed short code while PATCHes of the old code are in flight",
    async () => {
      const [acme, claimant] = [await seedKey("pro", "Acme", 0), await seedKey("pro", "Claimant", 1)];
      for (let round = 0; round < ROUNDS; round++) {
        const [a, b] = [await addKey(acme.workspace), await addKey(claimant.workspace)];
        const shortCode = `claim-${round}`;
        const old = (await create(a.key, shortCode, "https://example.com/old")).json.data;
        const claim = call(`/v1/codes/${old.id}`, { method: "DELETE", key: a.key }).then(() => create(b.key, shortCode, "https://example.com/new"));
        const [claimed] = await Promise.all([claim, ...patches(a.key, old.id, round, 0), ...patches(a.key, old.id, round, 5)]);
        expect(claimed.status, `round ${round}`).toBe(201);
        expect(await link(shortCode), `round ${round}`).toMatchObject({ code_id: claimed.json.data.id, url: "https://example.com/new" });
      }
    },
    LONG,
  );
});


/** A PATCH through the worker's fetch handler whose KV write is held until released. */
async function heldPatch(key: string, id: string, url: string) {
  const hold = holdFirstPut(env.LINKS);
  const response = callWithEnv({ LINKS: hold.kv }, `/v1/codes/${id}`, { method: "PATCH", key, body: { url } });
  await hold.arrived; // D1 has the PATCH; its KV write is next
  return { release: hold.release, response };
}

describe("a PATCH whose KV write lands late, step by step", () => {
  it("does not bring back the record of a code deleted meanwhile", async () => {
    const { key } = await seedKey();
    const code = (await create(key, "late-patch", "https://example.com/a")).json.data;
    const patch = await heldPatch(key, code.id, "https://example.com/b");
    expect((await call(`/v1/codes/${code.id}`, { method: "DELETE", key })).status).toBe(204);
    expect(await link("late-patch")).toBeNull();
    patch.release();
    expect((await patch.response).status).toBe(200);
    expect(await link("late-patch")).toBeNull();
  });

  it("does not overwrite the record of the workspace that claimed the freed short code", async () => {
    const [a, b] = [await seedKey("pro", "Acme", 2), await seedKey("pro", "Claimant", 3)];
    const old = (await create(a.key, "late-claim", "https://example.com/old")).json.data;
    const patch = await heldPatch(a.key, old.id, "https://example.com/old-2");
    expect((await call(`/v1/codes/${old.id}`, { method: "DELETE", key: a.key })).status).toBe(204);
    const claimed = await create(b.key, "late-claim", "https://example.com/new");
    expect(claimed.status).toBe(201);
    patch.release();
    expect((await patch.response).status).toBe(200);
    expect(await link("late-claim")).toEqual({
      code_id: claimed.json.data.id,
      workspace_id: b.workspace.id,
      url: "https://example.com/new",
      status: "active",
      version: 1,
      shard: 3,
    });
  });
});

describe("short codes across shards", () => {
  const codesHolding = async (shortCode: string) =>
    Promise.all([0, 1, 2, 3].map(async (n) => (await shardDb(env, n).prepare("SELECT count(*) AS n FROM codes WHERE short_code = ?1").bind(shortCode).first<number>("n"))!));

  it(
    "give a short code to exactly one of concurrent creates from workspaces on different shards: one 201, the rest 409",
    async () => {
      const keys = await Promise.all([0, 1, 2, 3, 0, 1, 2, 3].map((shard, i) => seedKey("pro", `Contender ${i}`, shard)));
      for (let round = 0; round < 10; round++) {
        const shortCode = `contested-${round}`;
        const answers = await Promise.all(keys.map((k, i) => create(k.key, shortCode, `https://example.com/${i}`)));
        const won = answers.filter((a) => a.status === 201);
        expect(won, `round ${round}`).toHaveLength(1);
        for (const lost of answers.filter((a) => a.status !== 201)) {
          expect(lost.status).toBe(409);
          expect(lost.json.error).toEqual({ code: "CONFLICT", message: "short_code: is already taken" });
        }
        const winner = keys[answers.indexOf(won[0]!)]!;
        expect(await link(shortCode)).toMatchObject({ code_id: won[0]!.json.data.id, workspace_id: winner.workspace.id, shard: winner.workspace.shard });
        // The code is in the winner's shard, and in no other.
        expect(await codesHolding(shortCode)).toEqual([0, 1, 2, 3].map((n) => (n === winner.workspace.shard ? 1 : 0)));
        const directory = await env.CONTROL.prepare("SELECT workspace_id, code_id FROM short_codes WHERE short_code = ?1").bind(shortCode).all();
        expect(directory.results).toEqual([{ workspace_id: winner.workspace.id, code_id: won[0]!.json.data.id }]);
      }
    },
    LONG,
  );

  it("free a deleted code's short code at once, for a workspace on another shard too", async () => {
    const [a, b] = [await seedKey("pro", "Leaving", 1), await seedKey("pro", "Arriving", 2)];
    const old = (await create(a.key, "handed-on", "https://example.com/old")).json.data;
    expect((await create(b.key, "handed-on", "https://example.com/new")).status).toBe(409);
    expect((await call(`/v1/codes/${old.id}`, { method: "DELETE", key: a.key })).status).toBe(204);
    const claimed = await create(b.key, "handed-on", "https://example.com/new");
    expect(claimed.status).toBe(201);
    expect(await link("handed-on")).toMatchObject({ code_id: claimed.json.data.id, shard: 2 });
    expect(await codesHolding("handed-on")).toEqual([0, 0, 1, 0]);
  });

  it("undo the claim when the shard refuses the code, so that a retry can have the short code", async () => {
    const { key, workspace } = await seedKey("pro", "Unlucky", 3);
    const refusing = new Proxy(shardDb(env, 3), {
      get(target, prop) {
        if (prop === "withSession") return () => ({ prepare: () => ({ bind: () => ({ first: () => Promise.reject(new Error("D1_ERROR: database is overloaded")) }) }), batch: () => Promise.reject(new Error("D1_ERROR")), getBookmark: () => null });
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const res = await callWithEnv({ SHARD_3: refusing }, "/v1/codes", { method: "POST", key, body: { url: "https://example.com/a", short_code: "refused-once" } });
      expect(res.status).toBe(500);
    } finally {
      errors.mockRestore();
    }
    expect(await env.CONTROL.prepare("SELECT count(*) AS n FROM short_codes WHERE short_code = 'refused-once'").first("n")).toBe(0);
    expect((await create(key, "refused-once", "https://example.com/a")).status).toBe(201);
    expect(await link("refused-once")).toMatchObject({ workspace_id: workspace.id, shard: 3 });
  });
});
