import { sameLink, writeLink, type LinkRecord } from "./links.ts";

// D1 holds each code (in its workspace's shard); KV holds a copy for the redirector, and the two
// are written one after the other, so concurrent changes to one short code can write KV in another
// order than D1 took them (a PATCH's record landing after the DELETE's removal, or after the record
// of the workspace, on this shard or another, that claimed the freed short code). So every writer
// re-reads D1 after its KV write and, until the two agree, writes KV again from what D1 holds now.
// Whoever made the last change to D1 wrote KV after it and compared after that, so the last KV
// write is always of D1's last state. What a writer cannot finish (KV kept failing, D1 kept
// changing) the ingest cron's link sweep repairs.

const MAX_PASSES = 5;
const MAX_FAILED_WRITES = 3;
// KV takes one write per second per key: a burst of changes to one code meets 429s. A failed write
// is tried again a little over a second later, jittered so that the writers of a burst spread out.
const RETRY_MS = 1000;

/**
 * D1's current state of a short code: its code's record, or null when no code has it. Read through
 * the control database's directory of short codes, then the shard the directory names.
 */
export type ReadLink = (shortCode: string) => Promise<LinkRecord | null>;

export interface LinkSync {
  /** KV was written with what D1 held when last compared, or a newer change (which syncs itself) took over. */
  settled: boolean;
  /** The last KV error, if a write failed. */
  error?: unknown;
}

/**
 * Brings KV's record of `shortCode` to D1's state. `state` is what D1 held when the caller last
 * looked (after its own write: the row the write returned, or null after a delete), so the first
 * pass needs no read.
 */
export async function syncLink(
  kv: KVNamespace,
  shortCode: string,
  read: ReadLink,
  state: LinkRecord | null,
): Promise<LinkSync> {
  let failures = 0;
  let error: unknown;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    try {
      await writeLink(kv, shortCode, state);
    } catch (err) {
      error = err;
      if (++failures >= MAX_FAILED_WRITES) return { settled: false, error };
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS * (1 + Math.random() / 2)));
      const current = await read(shortCode);
      // D1 changed after our read: that change's own sync writes KV after it.
      if (!sameLink(current, state)) return { settled: true, error };
      continue;
    }
    const current = await read(shortCode);
    if (sameLink(current, state)) return { settled: true, error };
    state = current;
  }
  return { settled: false, error };
}
