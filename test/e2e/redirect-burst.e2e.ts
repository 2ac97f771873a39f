// A burst of scans through the built redirect worker on workerd with a real local queue: every
// answered redirect must reach the queue. Under a burst, batches of scan messages fill up before
// their timer; a full batch sent on behalf of a request that is not waiting for it is cancelled
// with that request, and its scans are lost. Here the batch interval is a minute, so that every
// batch is sent because it filled up, on any machine: 1,000 scans are exactly ten full batches.
import { afterAll, beforeAll, expect, it } from "vitest";
import { runLoad } from "../../scripts/bench/load.ts";
import { waitFor } from "./helpers.ts";
import { startRedirectAlone, type RedirectAlone } from "./redirect-alone.ts";

let redirect: RedirectAlone;

beforeAll(async () => {
  redirect = await startRedirectAlone();
  await redirect.putCode("burst1", "https://example.com/");
});

afterAll(async () => {
  await redirect?.mf.dispose();
});

it("delivers every scan of a burst to the queue, once", async () => {
  const load = await runLoad({
    url: `${redirect.origin}/burst1`,
    connections: 50,
    requests: 1000,
    headers: { "cf-connecting-ip": "203.0.113.9", "user-agent": "Mozilla/5.0 (iPhone)" },
  });
  expect(load.errors).toBe(0);
  expect([...load.statuses]).toEqual([[302, 1000]]);

  // Every scan id once: a duplicate cannot hide a loss.
  const ids = await waitFor(redirect.delivered, (d) => d.length >= 1000, 15_000);
  expect([ids.length, new Set(ids).size]).toEqual([1000, 1000]);
});
