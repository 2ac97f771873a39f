// The record the API writes to KV for each short code and the redirector reads: everything a
// redirect needs, so a scan costs one KV read and no D1 query, and everything its scan message
// needs to reach the right database (the shard that holds the code's workspace).
import type { Routing } from "./destination.ts";

export type LinkStatus = "active" | "disabled";

export interface LinkRecord {
  code_id: string;
  workspace_id: string;
  url: string;
  status: LinkStatus;
  /**
   * The code's version in D1 when the record was written (every change to a code increments it),
   * so that two records of one code can be told apart. Records written before versions existed
   * lack it; the redirector does not read it.
   */
  version?: number;
  /**
   * The shard that holds the code (and its workspace): the redirector copies it into each scan
   * message. Records written before sharding lack it; their scans' shard is then looked up.
   */
  shard?: number;
  /** The code's redirect settings beside its url (schedule, rules, ...), when it has any. */
  routing?: Routing;
  /** Set once the code has counted its routing.max_scans: its scans then go to the fallback. */
  capped?: true;
}

export function linkKey(shortCode: string): string {
  return `code:${shortCode}`;
}

/** What of a code's row its KV record is made of: routing is its stored JSON, or null. */
export interface LinkSource {
  id: string;
  workspace_id: string;
  url: string;
  status: LinkStatus;
  version: number;
  routing: string | null;
  capped_at: string | null;
}

/** The KV record of a code as its shard holds it. */
export function linkRecord(code: LinkSource, shard: number): LinkRecord {
  const record: LinkRecord = { code_id: code.id, workspace_id: code.workspace_id, url: code.url, status: code.status, version: code.version, shard };
  if (code.routing !== null) record.routing = JSON.parse(code.routing) as Routing;
  if (code.capped_at !== null) record.capped = true;
  return record;
}

/** Whether two states of a short code (a record, or null for no code) are the same. */
export function sameLink(a: LinkRecord | null, b: LinkRecord | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.code_id === b.code_id &&
    a.version === b.version &&
    a.workspace_id === b.workspace_id &&
    a.url === b.url &&
    a.status === b.status &&
    a.shard === b.shard &&
    a.capped === b.capped &&
    JSON.stringify(a.routing) === JSON.stringify(b.routing)
  );
}

/** Makes KV hold `state` for the short code: the record, or no key when no code has it. */
export async function writeLink(kv: KVNamespace, shortCode: string, state: LinkRecord | null): Promise<void> {
  if (state === null) await kv.delete(linkKey(shortCode));
  else await kv.put(linkKey(shortCode), JSON.stringify(state));
}
