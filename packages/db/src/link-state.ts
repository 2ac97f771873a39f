import { linkRecord, type LinkRecord } from "@qr3/core";
import { linkRows, type LinkRow } from "./codes.ts";
import { directoryEntries, type DirectoryEntry } from "./short-codes.ts";

// What KV must hold for a short code is read across databases: the control database's directory
// names the code that holds the short code and, through its workspace, its shard; the shard holds
// the code's row. A short code's KV record is the record of that row.

export interface LinkState {
  /** The record KV must hold, or null when no code has the short code. */
  record: LinkRecord | null;
  /** The directory's row, if any: a row without its code is a create not yet written, or an orphan. */
  entry: DirectoryEntry | null;
}

/**
 * D1's current state of each short code: one read of the control database, then one of each shard
 * the directory names. `shard` gives a shard's database by its number.
 */
export async function linkStates(control: D1Database, shard: (n: number) => D1Database, shortCodes: readonly string[]): Promise<Map<string, LinkState>> {
  const entries = await directoryEntries(control, shortCodes);
  const byShard = Map.groupBy(entries, (e) => e.shard);
  const rows = new Map<string, LinkRow>();
  await Promise.all(
    [...byShard].map(async ([n, group]) => {
      for (const row of await linkRows(shard(n), group.map((e) => e.code_id))) rows.set(row.id, row);
    }),
  );
  const states = new Map<string, LinkState>(shortCodes.map((s) => [s, { record: null, entry: null }]));
  for (const entry of entries) {
    const row = rows.get(entry.code_id);
    const held = row !== undefined && row.short_code === entry.short_code && row.workspace_id === entry.workspace_id;
    states.set(entry.short_code, { record: held ? linkRecord(row, entry.shard) : null, entry });
  }
  return states;
}

/** D1's current state of one short code: the record KV must hold, or null. */
export async function linkState(control: D1Database, shard: (n: number) => D1Database, shortCode: string): Promise<LinkRecord | null> {
  return (await linkStates(control, shard, [shortCode])).get(shortCode)!.record;
}
