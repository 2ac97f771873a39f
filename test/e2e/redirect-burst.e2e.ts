// A burst of scans through the built redirect worker on workerd with a real local queue: every
// answered redirect must reach the queue. Under a burst, batches of scan messages fill up before
// their timer; a full batch sent on behalf of a request that is not waiting for it is cancelled
// with that request, and its scans are lost. Here the batch interval is a minute, so that every
// batch is sent because it filled up, on any machine: 1,000 scans are exactly ten full batches.
import { linkKey, newId } from "@qr3/core";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, expect, it } from "vitest";
import { compatibilityOf, miniflare } from "../../scripts/bench/lib.ts";
import { runLoad } from "../../scripts/bench/load.ts";
import { buildWorker } from "../../scripts/build.ts";
import { waitFor } from "./helpers.ts";

// Counts what the queue delivers, and the scan ids, so a duplicate cannot hide a loss.
const COUNTER = `
const ids = new Set();
let delivered = 0;
export default {
  fetch() { return Response.json({ delivered, distinct: ids.size }); },
  queue(batch) { for (const m of batch.messages) { delivered++; ids.add(m.body.scan_id); m.ack(); } },
};`;

let mf: Miniflare;

beforeAll(async () => {
  mf = miniflare({
    host: "127.0.0.1",
    port: 0,
    workers: [
      {
        name: "redirect",
        compatibility: compatibilityOf("redirect"),
        scriptPath: buildWorker("redirect"),
        kvNamespaces: { LINKS: "links", SALTS: "salts" },
        queueProducers: { SCANS: "qr3-scans" },
        bindings: { LINK_CACHE_SECONDS: "5", SCAN_BATCH_MS: "60000" },
      },
      { name: "counter", compatibility: compatibilityOf("redirect"), script: COUNTER, queueConsumers: { "qr3-scans": { maxBatchSize: 100, maxBatchTimeout: 1 } } },
    ],
  } as Parameters<typeof miniflare>[0]);
  await mf.ready;
  const links = await mf.getKVNamespace("LINKS", "redirect");
  await links.put(linkKey("burst1"), JSON.stringify({ code_id: newId("qr"), workspace_id: newId("ws"), url: "https://example.com/", status: "active" }));
});

afterAll(async () => {
  await mf?.dispose();
});

it("delivers every scan of a burst to the queue, once", async () => {
  const origin = (await mf.ready).origin;
  const load = await runLoad({
    url: `${origin}/burst1`,
    connections: 50,
    requests: 1000,
    headers: { "cf-connecting-ip": "203.0.113.9", "user-agent": "Mozilla/5.0 (iPhone)" },
  });
  expect(load.errors).toBe(0);
  expect([...load.statuses]).toEqual([[302, 1000]]);

  const counter = await mf.getWorker("counter");
  const read = async () => (await (await counter.fetch("http://counter/")).json()) as { delivered: number; distinct: number };
  const counted = await waitFor(read, (c) => c.delivered >= 1000, 15_000);
  expect(counted).toEqual({ delivered: 1000, distinct: 1000 });
});
