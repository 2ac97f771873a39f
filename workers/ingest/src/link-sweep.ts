import { controlDb, shardDb, syncLink, writeLink } from "@qr3/core";
import { clearLinkSyncs, linkState, linkStates, listQuietLinkSyncs, releaseOrphanedShortCodes, type LinkState } from "@qr3/db";

// The safety net of the KV records the redirector reads, run by the frequent cron on each shard.
// Every change to a code marks its short code in its shard's link_syncs, in the change's own
// transaction, and the API writes KV right after; but that write can be lost: a crash between the
// two, or KV errors (a burst of changes to one code meets KV's one write per second per key) that
// outlast the API's retries. So for each mark at least LINK_QUIET_SECONDS old the sweep writes KV
// with what D1 holds now (read through the control database's directory: the short code may have
// passed to a code on another shard), then clears the marks that no change has renewed meanwhile.
// It also frees the short code of a code deleted in this shard whose release in the directory
// did not happen (see the API's removeCode).

// Far longer than a request's sync takes (seconds): once a short code has been quiet this long, no
// request that might still write an older state of it is running, and the sweep's write is final.
export const LINK_QUIET_SECONDS = 60;
// Short codes per run, each one KV write: a run shares the per-invocation limits on KV and D1
// operations (1,000 each) with the rest of its shard's maintenance. More wait for the next run.
const SWEEP_LIMIT = 500;
// Per chunk: one read of the marks' states in the control database and one per shard it names.
const CHUNK = 50;

export interface LinkSweepReport {
  synced: number;
  failed: number;
  released: number;
}

/** Directory rows of this shard's codes that its shard no longer holds, claimed long enough ago. */
async function releaseOrphans(env: Env, shard: number, states: Map<string, LinkState>): Promise<number> {
  const orphans = [...states.values()].flatMap((s) => (s.record === null && s.entry?.shard === shard ? [s.entry] : []));
  if (orphans.length === 0) return 0;
  const claimedBefore = new Date(Date.now() - LINK_QUIET_SECONDS * 1000).toISOString();
  const released = await releaseOrphanedShortCodes(controlDb(env), orphans, claimedBefore);
  if (released.length > 0) console.warn(JSON.stringify({ event: "short_codes_released", shard, short_codes: released }));
  return released.length;
}

export async function sweepLinks(env: Env, shard: number): Promise<LinkSweepReport> {
  const db = shardDb(env, shard);
  const shards = (n: number) => shardDb(env, n);
  const marks = await listQuietLinkSyncs(db, LINK_QUIET_SECONDS, SWEEP_LIMIT);
  const report: LinkSweepReport = { synced: 0, failed: 0, released: 0 };
  let error: unknown;
  for (let i = 0; i < marks.length; i += CHUNK) {
    const chunk = marks.slice(i, i + CHUNK);
    const states = await linkStates(controlDb(env), shards, chunk.map((m) => m.short_code));
    report.released += await releaseOrphans(env, shard, states);
    const writes = await Promise.allSettled(chunk.map((m) => writeLink(env.LINKS, m.short_code, states.get(m.short_code)!.record)));
    const written = chunk.filter((_, j) => writes[j]!.status === "fulfilled");
    for (const w of writes) if (w.status === "rejected") error = w.reason;
    report.failed += chunk.length - written.length; // still marked: the next run tries again
    report.synced += written.length;
    const cleared = new Set(await clearLinkSyncs(db, written));
    for (const mark of written) {
      if (cleared.has(mark.short_code)) continue;
      // Changed since it was listed: this write may have landed after that change's own. Its
      // mark stays for a later run; meanwhile KV gets what D1 holds now.
      const read = (shortCode: string) => linkState(controlDb(env), shards, shortCode);
      await syncLink(env.LINKS, mark.short_code, read, await read(mark.short_code));
    }
  }
  if (report.failed > 0) console.error(JSON.stringify({ event: "link_sweep_failed", shard, failed: report.failed, error: String(error) }));
  return report;
}

/**
 * Writes the KV records of addresses changed in bulk through the API, as D1 holds them now (a
 * sync_links message of the maintenance queue). An address changed again meanwhile is synced by
 * that change too; one whose write fails is thrown for the message to be retried, and stays
 * marked for the sweep in any case.
 */
export async function syncAddresses(env: Env, addresses: readonly string[]): Promise<number> {
  const shards = (n: number) => shardDb(env, n);
  const read = (address: string) => linkState(controlDb(env), shards, address);
  let synced = 0;
  for (let i = 0; i < addresses.length; i += CHUNK) {
    const chunk = addresses.slice(i, i + CHUNK);
    const states = await linkStates(controlDb(env), shards, chunk);
    const writes = await Promise.allSettled(chunk.map((a) => syncLink(env.LINKS, a, read, states.get(a)!.record)));
    const failed = writes.flatMap((w) => (w.status === "rejected" ? [w.reason] : w.value.settled ? [] : [w.value.error]));
    synced += chunk.length - failed.length;
    if (failed.length > 0) throw new Error(`${failed.length} of ${chunk.length} KV records not written: ${String(failed[0])}`);
  }
  return synced;
}
