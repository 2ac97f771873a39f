// The maintenance queue's sync_links messages, which the API sends after changing codes in bulk:
// each address's KV record written as D1 holds it now, whatever the message carried, and a
// failure retried.
import { env } from "cloudflare:workers";
import { linkKey } from "@qr3/core";
import { describe, expect, it } from "vitest";
import { seedCode, seedWorkspace } from "../../../test/fixtures.ts";
import { deliverMaintenance } from "./cron.ts";

const record = async (address: string) => JSON.parse((await env.LINKS.get(linkKey(address))) ?? "null");

describe("sync_links messages", () => {
  it("writes the KV record of every address named, and removes that of an address no code holds", async () => {
    const workspace = await seedWorkspace(env, "pro", "Acme", undefined, 1);
    const codes = await Promise.all([seedCode(env, workspace), seedCode(env, workspace, `go${crypto.randomUUID().slice(0, 6)}.example.com/menu`)]);
    const gone = `gone${crypto.randomUUID().slice(0, 6)}`;
    await env.LINKS.put(linkKey(gone), JSON.stringify({ code_id: "qr_x", workspace_id: workspace.id, url: "https://old.example/", status: "active" }));
    const outcome = await deliverMaintenance(env, { kind: "sync_links", shard: 1, addresses: [...codes.map((c) => c.short_code), gone] });
    expect(outcome).toBe("acked");
    for (const code of codes) expect(await record(code.short_code)).toMatchObject({ code_id: code.id, url: code.url, status: "active", shard: 1 });
    expect(await record(gone)).toBeNull();
  });

  it("retries the message when KV cannot be written", async () => {
    const workspace = await seedWorkspace(env, "pro", "Acme", undefined, 0);
    const code = await seedCode(env, workspace);
    const failing = { ...env.LINKS, put: () => Promise.reject(new Error("KV unavailable")), get: env.LINKS.get.bind(env.LINKS) } as unknown as KVNamespace;
    expect(await deliverMaintenance({ ...env, LINKS: failing }, { kind: "sync_links", shard: 0, addresses: [code.short_code] })).toBe("retried");
  }, 20_000);

  it("acks and logs an invalid message rather than block the queue", async () => {
    for (const body of [{ kind: "sync_links", shard: 0, addresses: [] }, { kind: "sync_links", shard: 0, addresses: Array(101).fill("a") }, { kind: "other" }]) {
      expect(await deliverMaintenance(env, body)).toBe("acked");
    }
  });
});
