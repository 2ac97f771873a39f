import { syncLink, writeLink } from "@qr3/core";
import { clearLinkSyncs, getLinkRecord, listQuietLinkSyncs } from "@qr3/db";

// The safety net of the KV records the redirector reads, run by the frequent cron. Every change to
// a code marks its short code in link_syncs, in the change's own transaction, and the API writes
// KV right after; but that write can be lost: a crash between the two, or KV errors (a burst of
// changes to one code meets KV's one write per second per key) that outlast the API's retries.
// So for each mark at least LINK_QUIET_SECONDS old the sweep writes KV from D1 as it is now, then
// clears the marks that no change has renewed meanwhile.

// Far longer than a request's sync takes (seconds): once a short code has been quiet this long, no
// request that might still write an older state of it is running, and the sweep's write is final.
export const LINK_QUIET_SECONDS = 60;
// Short codes per run, each one KV write: a run shares the per-invocation limits on KV and D1
// operations (1,000 each) with the rest of the cron. More wait for the next run.
const SWEEP_LIMIT = 500;
const CHUNK = 50;

export interface LinkSweepReport {
  synced: number;
  failed: number;
}

export async function sweepLinks(env: Env): Promise<LinkSweepReport> {
  const marks = await listQuietLinkSyncs(env.DB, LINK_QUIET_SECONDS, SWEEP_LIMIT);
  const report: LinkSweepReport = { synced: 0, failed: 0 };
  let error: unknown;
  for (let i = 0; i < marks.length; i += CHUNK) {
    const chunk = marks.slice(i, i + CHUNK);
    const writes = await Promise.allSettled(chunk.map((m) => writeLink(env.LINKS, m.short_code, m.state)));
    const written = chunk.filter((_, j) => writes[j]!.status === "fulfilled");
    for (const w of writes) if (w.status === "rejected") error = w.reason;
    report.failed += chunk.length - written.length; // still marked: the next run tries again
    report.synced += written.length;
    const cleared = new Set(await clearLinkSyncs(env.DB, written));
    for (const mark of written) {
      if (cleared.has(mark.short_code)) continue;
      // Changed since it was listed: this write may have landed after that change's own. Its
      // mark stays for a later run; meanwhile KV gets what D1 holds now.
      const read = (shortCode: string) => getLinkRecord(env.DB, shortCode);
      await syncLink(env.LINKS, mark.short_code, read, await read(mark.short_code));
    }
  }
  if (report.failed > 0) console.error(JSON.stringify({ event: "link_sweep_failed", failed: report.failed, error: String(error) }));
  return report;
}
