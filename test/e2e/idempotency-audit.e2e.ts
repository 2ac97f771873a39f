// Idempotency-Key and the audit log over the real local stack: concurrent identical creates make
// one code, a repeat is replayed, and every change shows in the audit log with the key that made
// it and the fields it changed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../../scripts/lib/stack.ts";
import { apiClient, startTestStack } from "./helpers.ts";

let stack: Stack;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ stack, cleanup } = await startTestStack());
});

afterAll(async () => {
  await cleanup?.();
});

describe("Idempotency-Key and the audit log over the local stack", () => {
  it("makes one code of concurrent identical creates, replays a repeat, and logs every change with its key", async () => {
    // The demo workspace of shard 2: the claim, the code and the log all live in that shard.
    const api = apiClient(stack.origin, stack.demos[2]!.api_key);
    const me = (await api("/v1/keys/current")).json.data;
    const url = `https://example.com/e2e/${crypto.randomUUID()}`;
    const idempotencyKey = `create-${crypto.randomUUID()}`;
    const create = () => api("/v1/codes", { method: "POST", body: { url }, headers: { "idempotency-key": idempotencyKey } });

    const answers = await Promise.all(Array.from({ length: 20 }, create));
    for (const answer of answers) {
      if (answer.status !== 201) expect(answer.json.error.code).toBe("IDEMPOTENCY_IN_PROGRESS");
    }
    const created = answers.filter((a) => a.status === 201 && a.headers.get("idempotent-replayed") === null);
    expect(created).toHaveLength(1);
    const code = created[0]!.json.data;
    const listed = (await api("/v1/codes?limit=100")).json.data.filter((c: { url: string }) => c.url === url);
    expect(listed.map((c: { id: string }) => c.id)).toEqual([code.id]);

    const replay = await create();
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json.data).toEqual(code);
    expect(replay.headers.get("x-request-id")).not.toBe(created[0]!.headers.get("x-request-id"));

    const mismatch = await api("/v1/codes", { method: "POST", body: { url: `${url}/other` }, headers: { "idempotency-key": idempotencyKey } });
    expect(mismatch.status).toBe(422);
    expect(mismatch.json.error.code).toBe("IDEMPOTENCY_MISMATCH");

    const moved = await api(`/v1/codes/${code.id}`, { method: "PATCH", body: { url: `${url}/moved` } });
    expect(moved.status).toBe(200);

    const log = await api(`/v1/audit-log?resource_id=${code.id}`);
    expect(log.status).toBe(200);
    expect(log.json.data).toEqual([
      expect.objectContaining({
        action: "code.updated",
        resource_type: "code",
        resource_id: code.id,
        api_key_id: me.id,
        api_key_name: me.name,
        request_id: moved.headers.get("x-request-id"),
        before: { url },
        after: { url: `${url}/moved` },
      }),
      expect.objectContaining({
        action: "code.created",
        api_key_id: me.id,
        api_key_name: me.name,
        request_id: created[0]!.headers.get("x-request-id"),
        before: null,
        after: code,
      }),
    ]);
    // The whole workspace's log has them too, newest first.
    const all = (await api("/v1/audit-log?action=code.updated")).json.data;
    expect(all[0]).toMatchObject({ resource_id: code.id, after: { url: `${url}/moved` } });
  });
});
