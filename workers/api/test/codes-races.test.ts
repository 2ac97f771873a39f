// Concurrent writes to one code: whatever order the API's D1 and KV writes interleave in, the KV
// record the redirector reads must end as D1 has the short code.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, callWithEnv, seedKey } from "./helpers.ts";

const ROUNDS = 30;
const LONG = 60_000;

const link = (shortCode: string) => env.LINKS.get<{ code_id: string; url: string }>(`code:${shortCode}`, "json");

const create = (key: string, shortCode: string, url: string) => call("/v1/codes", { method: "POST", key, body: { url, short_code: shortCode } });

const patches = (key: string, id: string, round: number, from: number) =>
  Array.from({ length: 5 }, (_, i) => call(`/v1/codes/${id}`, { method: "PATCH", key, body: { url: `https://example.com/${round}/${from + i}` } }));

describe("concurrent requests through the fetch handler", () => {
  it(
    "leave no KV record once a DELETE sent among PATCHes has deleted the code",
    async () => {
      const { key } = await seedKey();
      for (let round = 0; round < ROUNDS; round++) {
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
      const [a, b] = [await seedKey(), await seedKey("pro", "Claimant")];
      for (let round = 0; round < ROUNDS; round++) {
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

/** A LINKS binding whose first put waits, once it has been reached, until released. */
function holdFirstPut(kv: KVNamespace) {
  let reached!: () => void;
  let release!: () => void;
  const arrived = new Promise<void>((resolve) => (reached = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  let held = false;
  const gated = new Proxy(kv, {
    get(target, prop) {
      if (prop === "put" && !held) {
        held = true;
        return async (...args: Parameters<KVNamespace["put"]>) => {
          reached();
          await released;
          return target.put(...args);
        };
      }
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: gated, arrived, release };
}

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
    const [a, b] = [await seedKey(), await seedKey("pro", "Claimant")];
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
    });
  });
});
