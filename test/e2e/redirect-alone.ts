// The built redirect worker on workerd (Miniflare) with a real local queue, consumed by a worker
// that keeps every scan id it is delivered: what the redirector really hands to the queue.
import { linkKey, newId } from "@qr3/core";
import type { Miniflare } from "miniflare";
import { compatibilityOf, miniflare } from "../../scripts/bench/lib.ts";
import { buildWorker } from "../../scripts/build.ts";

const COUNTER = `
const ids = [];
export default {
  fetch() { return Response.json(ids); },
  queue(batch) { for (const m of batch.messages) { for (const scan of m.body.scans) ids.push(scan.scan_id); m.ack(); } },
};`;

export interface RedirectAlone {
  mf: Miniflare;
  origin: string;
  /** Stores an active code's record for `shortCode`. */
  putCode(shortCode: string, url: string): Promise<void>;
  /** Every scan id delivered so far, in order, duplicates included. */
  delivered(): Promise<string[]>;
  /** The workers' log lines. */
  logs: string[];
}

/** `batchMs` is the redirector's SCAN_BATCH_MS: a minute makes every batch go because it filled up. */
export async function startRedirectAlone(batchMs = 60_000): Promise<RedirectAlone> {
  const logs: string[] = [];
  const mf = miniflare({
    host: "127.0.0.1",
    port: 0,
    handleStructuredLogs: ({ message }) => void logs.push(message),
    workers: [
      {
        name: "redirect",
        compatibility: compatibilityOf("redirect"),
        scriptPath: buildWorker("redirect"),
        kvNamespaces: { LINKS: "links", SALTS: "salts" },
        queueProducers: { SCANS: "qr3-scans" },
        bindings: { LINK_CACHE_SECONDS: "5", SCAN_BATCH_MS: String(batchMs) },
      },
      { name: "counter", compatibility: compatibilityOf("redirect"), script: COUNTER, queueConsumers: { "qr3-scans": { maxBatchSize: 100, maxBatchTimeout: 1 } } },
    ],
  } as Parameters<typeof miniflare>[0]);
  const origin = (await mf.ready).origin;
  const links = await mf.getKVNamespace("LINKS", "redirect");
  const counter = await mf.getWorker("counter");
  return {
    mf,
    origin,
    logs,
    putCode: (shortCode, url) => links.put(linkKey(shortCode), JSON.stringify({ code_id: newId("qr"), workspace_id: newId("ws"), url, status: "active" })),
    delivered: async () => (await (await counter.fetch("http://counter/")).json()) as string[],
  };
}
