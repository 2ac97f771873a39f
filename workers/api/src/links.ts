import { controlDb, shardDb, syncLink, type LinkRecord, type LinkSync } from "@qr3/core";
import { linkState } from "@qr3/db";

/** D1's current state of a short code, read at the primaries: through the directory, then the shard it names. */
export const readLink = (env: Env) => (shortCode: string) => linkState(controlDb(env), (n) => shardDb(env, n), shortCode);

/**
 * The redirector reads codes from KV only, so every change to a code in D1 is mirrored there:
 * `state` is what D1 held right after the change (null after a delete), and the sync writes KV
 * until it agrees with D1 (see syncLink). What it leaves unsettled the ingest cron's link sweep
 * repairs within minutes, D1's change having marked the short code in the same transaction.
 */
export async function syncCodeLink(env: Env, shortCode: string, state: LinkRecord | null): Promise<LinkSync> {
  const sync = await syncLink(env.LINKS, shortCode, readLink(env), state);
  if (!sync.settled) {
    console.error(JSON.stringify({ event: "link_sync_deferred", short_code: shortCode, error: sync.error === undefined ? null : String(sync.error) }));
  }
  return sync;
}
