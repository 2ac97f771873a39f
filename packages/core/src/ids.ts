// Prefixed, time-sortable ids ("qr_01jd…"): 10 characters of millisecond timestamp followed by
// 16 random characters, both in lower-case Crockford base32 (ULID layout). Sorting ids sorts by
// creation time, which keyset pagination relies on.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

export type IdPrefix = "ws" | "key" | "qr" | "scn" | "req" | "wh" | "evt" | "dlv" | "obx" | "aud" | "dom";

function encodeTime(ms: number): string {
  let time = "";
  let t = ms;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time;
}

/** Every id of `prefix` created before `ms` sorts below this string. */
export function idsBefore(prefix: IdPrefix, ms: number): string {
  return `${prefix}_${encodeTime(ms)}`;
}

// Random bytes are drawn from the platform's CSPRNG a few kilobytes at a time: one call per id
// costs more than the rest of the id (a redirect makes one per scan).
const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let used = POOL_BYTES;

export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  const time = encodeTime(now);
  if (used + 16 > POOL_BYTES) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  let rand = "";
  for (let i = used; i < used + 16; i++) rand += ALPHABET[pool[i]! & 31];
  used += 16;
  return `${prefix}_${time}${rand}`;
}

export const ID_PATTERN = /^[a-z]{1,4}_[0-9a-hjkmnp-tv-z]{26}$/;

export function isId(prefix: IdPrefix, value: string): boolean {
  return value.startsWith(`${prefix}_`) && ID_PATTERN.test(value);
}
