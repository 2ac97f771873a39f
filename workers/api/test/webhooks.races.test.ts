import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { call, callWithEnv, seedKey } from "./helpers.ts";

const create = (key: string, i: number) => call("/v1/webhooks", { method: "POST", key, body: { url: `https://example.com/${i}`, events: ["qr.scanned"] } });

it("holds a workspace to 10 subscriptions under concurrent creates", async () => {
  const { key, workspace, db } = await seedKey();
  for (let i = 0; i < 4; i++) expect((await create(key, i)).status).toBe(201);

  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => create(key, 100 + i)));
  const created = answers.filter((a) => a.status === 201);
  const refused = answers.filter((a) => a.status !== 201);
  expect(created).toHaveLength(6);
  expect(refused).toHaveLength(14);
  for (const a of refused) {
    expect(a.status).toBe(409);
    expect(a.json.error).toEqual({ code: "CONFLICT", message: "webhooks: a workspace can have at most 10" });
  }
  const stored = await db.prepare("SELECT count(*) AS n FROM webhooks WHERE workspace_id = ?1").bind(workspace.id).first<number>("n");
  expect(stored).toBe(10);

  // Another workspace's subscriptions are not counted against this one.
  const other = await seedKey();
  expect((await create(other.key, 0)).status).toBe(201);
  // Nor are they once deleted: the freed place can be taken again.
  await call(`/v1/webhooks/${created[0]!.json.data.id}`, { method: "DELETE", key });
  expect((await create(key, 200)).status).toBe(201);
  expect((await create(key, 201)).status).toBe(409);
});

/**
 * The shard's binding, unchanged except that `meanwhile` runs just before a delivery is inserted
 * (through the request's D1 session, in the batch that also writes its audit entry): as would
 * another request landing between the route's read of the webhook and its write.
 */
function landingBeforeDeliveryInsert(db: D1Database, meanwhile: () => Promise<unknown>): D1Database {
  const gated = (session: D1DatabaseSession): D1DatabaseSession => {
    const inserts = new WeakSet<D1PreparedStatement>();
    return new Proxy(session, {
      get(target, prop) {
        if (prop === "prepare") {
          return (sql: string) => {
            const statement = target.prepare(sql);
            if (!sql.includes("INSERT INTO webhook_deliveries")) return statement;
            return {
              bind: (...values: unknown[]) => {
                const bound = statement.bind(...values);
                inserts.add(bound);
                return bound;
              },
            };
          };
        }
        if (prop === "batch") {
          return async (statements: D1PreparedStatement[]) => {
            if (statements.some((s) => inserts.has(s))) await meanwhile();
            return target.batch(statements);
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "withSession") return (constraint?: string) => gated(target.withSession(constraint));
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function callWithShard(shard: number, db: D1Database, path: string, key: string, body?: unknown) {
  return callWithEnv({ [`SHARD_${shard}`]: db }, path, { method: "POST", key, body });
}

it.each([
  ["sending a test event", (id: string) => `/v1/webhooks/${id}/test`],
  ["redelivering", (id: string, delivery: string) => `/v1/webhooks/${id}/deliveries/${delivery}/redeliver`],
])("stores nothing when a subscription is deleted or disabled while %s", async (action, path) => {
  const { key, workspace, db } = await seedKey();
  const deliveriesOf = (id: string) => db.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE webhook_id = ?1").bind(id).first<number>("n");
  for (const [change, status, error] of [
    ["DELETE", 404, { code: "NOT_FOUND", message: "Webhook not found" }],
    ["disable", 409, { code: "CONFLICT", message: `webhook: is disabled; enable it before ${action}` }],
  ] as const) {
    const id = (await create(key, 1)).json.data.id;
    const first = (await call(`/v1/webhooks/${id}/test`, { method: "POST", key })).json.data.id;
    const meanwhile = () =>
      change === "DELETE"
        ? db.prepare("DELETE FROM webhooks WHERE id = ?1").bind(id).run()
        : db.prepare("UPDATE webhooks SET status = 'disabled', disabled_reason = 'manual' WHERE id = ?1").bind(id).run();
    const res = await callWithShard(workspace.shard, landingBeforeDeliveryInsert(db, meanwhile), path(id, first), key);
    expect(res.status, change).toBe(status);
    expect(res.json.error).toEqual(error);
    expect(await deliveriesOf(id)).toBe(change === "DELETE" ? 0 : 1);
  }
});
