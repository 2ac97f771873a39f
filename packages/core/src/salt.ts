import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { randomHex } from "./crypto.ts";
import { DAY_MS, startOfUtcDay, utcDate } from "./time.ts";

// One secret salt per UTC day, 32 random bytes, in KV under "salt:YYYY-MM-DD". It expires when its
// day ends (never more than 48 hours after it was written), so once a day is over nobody, not even
// us, can recompute that day's ip_hash values. Each workspace hashes with its own salt derived from
// the day's (see workspaceSalt), so two workspaces' scans cannot be joined on their visitors.
//
// The ingest cron writes tomorrow's salt a day ahead, so KV has replicated it everywhere before it
// is needed. Should the cron have failed, the first redirector that misses it creates one. Two
// isolates may then race and write different salts; KV keeps the last write. An isolate that wrote
// its own salt therefore trusts it for one minute only and then reads KV again, adopting whichever
// salt won: same-IP hashes can disagree for about a minute on such a day, never longer. Should KV
// fail to read or write the salt (an outage, or its one write per second per key when many
// isolates create the day's salt at once), the isolate hashes with a salt of its own, held in
// memory only, and asks KV again ten seconds later: a scan is never lost for want of a salt, and
// same-IP hashes disagree only across isolates, for as long as KV fails.
export const SALT_BYTES = 32;
// KV refuses an expiration less than 60 s ahead of its own clock; the extra ten seconds cover the
// time the write takes to arrive, so a salt written in its day's last minute is still accepted.
export const MIN_EXPIRY_AHEAD_MS = 70_000;
const SELF_CREATED_RECHECK_MS = 60_000;
const KV_FAILED_RECHECK_MS = 10_000;

export function saltKey(day: string): string {
  return `salt:${day}`;
}

/** Absolute expiry (seconds since epoch) of the salt of the UTC day containing `dayMs`. */
export function saltExpiration(dayMs: number, now: number): number {
  const end = startOfUtcDay(dayMs) + DAY_MS;
  return Math.ceil(Math.max(end, now + MIN_EXPIRY_AHEAD_MS) / 1000);
}

async function writeSalt(kv: KVNamespace, dayMs: number, now: number): Promise<string> {
  const salt = randomHex(SALT_BYTES);
  await kv.put(saltKey(utcDate(dayMs)), salt, { expiration: saltExpiration(dayMs, now) });
  return salt;
}

/** Creates the salt of the day containing `dayMs` unless it exists. Returns true if it wrote one. */
export async function ensureSalt(kv: KVNamespace, dayMs: number, now: number): Promise<boolean> {
  if ((await kv.get(saltKey(utcDate(dayMs)))) !== null) return false;
  await writeSalt(kv, dayMs, now);
  return true;
}

interface CachedSalt {
  salt: string;
  recheckAt: number;
}

/** Per-isolate cache of the day's salt, so a redirect normally costs no KV read for it. */
export class DailySalt {
  private readonly kv: KVNamespace;
  private cached: Map<string, CachedSalt> = new Map();

  constructor(kv: KVNamespace) {
    this.kv = kv;
  }

  /** The cached salt of the day of `now`, if it is still good: no promise, no KV. */
  cachedFor(now: number): string | undefined {
    const hit = this.cached.get(utcDate(now));
    return hit && now < hit.recheckAt ? hit.salt : undefined;
  }

  async get(now: number): Promise<string> {
    const cached = this.cachedFor(now);
    if (cached !== undefined) return cached;
    const day = utcDate(now);

    try {
      const stored = await this.kv.get(saltKey(day));
      if (stored !== null) {
        this.remember(day, stored, startOfUtcDay(now) + DAY_MS);
        return stored;
      }
      const created = await writeSalt(this.kv, now, now);
      this.remember(day, created, now + SELF_CREATED_RECHECK_MS);
      return created;
    } catch (err) {
      const own = randomHex(SALT_BYTES);
      console.error(JSON.stringify({ event: "salt_unavailable", day, error: String(err) }));
      this.remember(day, own, now + KV_FAILED_RECHECK_MS);
      return own;
    }
  }

  private remember(day: string, salt: string, recheckAt: number): void {
    this.cached.clear(); // only today's salt is ever useful
    this.cached.set(day, { salt, recheckAt });
  }
}

// Derived salts an isolate keeps: one per workspace it served today, a few dozen bytes each.
export const MAX_WORKSPACE_SALTS = 10_000;

/**
 * A workspace's salt for one day: hex HMAC-SHA256 keyed with the day's salt (its text, as UTF-8)
 * over the workspace id. Unrelated across workspaces and across days, and as secret as the day's
 * salt: it dies with it.
 */
export function workspaceSalt(daySalt: string, workspaceId: string): string {
  return bytesToHex(hmac(sha256, utf8ToBytes(daySalt), utf8ToBytes(workspaceId)));
}

/**
 * Per-isolate cache of workspace salts, for the day salt last asked about: a new day (or a day
 * salt adopted after a race) starts it afresh. Bounded: past its size the oldest entry goes.
 */
export class WorkspaceSalts {
  private daySalt = "";
  private readonly derived = new Map<string, string>();

  get(daySalt: string, workspaceId: string): string {
    if (daySalt !== this.daySalt) {
      this.derived.clear();
      this.daySalt = daySalt;
    }
    let salt = this.derived.get(workspaceId);
    if (salt === undefined) {
      if (this.derived.size >= MAX_WORKSPACE_SALTS) this.derived.delete(this.derived.keys().next().value!);
      salt = workspaceSalt(daySalt, workspaceId);
      this.derived.set(workspaceId, salt);
    }
    return salt;
  }

  get size(): number {
    return this.derived.size;
  }
}

/**
 * ip_hash: hex SHA-256 of the IP followed by the salt (the scan's workspace's salt of the day).
 * Computed synchronously (noble's audited SHA-256): for one short input on the redirect path,
 * crypto.subtle's asynchronous digest cost more than the hash itself.
 */
export function hashIp(ip: string, salt: string): string {
  return bytesToHex(sha256(utf8ToBytes(ip + salt)));
}
