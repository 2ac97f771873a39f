// The limits of a scan message's fields, in one zod-free module: the redirector imports it
// ("@qr3/schema/limits") to cut or drop what it reads from a request so that the consumer never
// refuses its messages, and the consumer's schema enforces the same numbers on whatever arrives.
// Lengths count UTF-16 code units, as String.length and zod's maxLength do. Together they keep a
// message far below the queue's 128 KB, even with every character escaped in its JSON.
export const LIMITS = {
  user_agent: 1024,
  referer: 2048,
  /** A destination URL as the API accepts it, and as a scan message records it. */
  url: 2048,
  /** region and city. */
  geo: 128,
  language: 35,
  /** The Sec-Purpose or Purpose header, a bot signal. */
  purpose: 64,
} as const;

/**
 * A country as Cloudflare reports it: an ISO 3166-1 alpha-2 code, or "T1" for Tor. ("XX", its
 * "no country information", matches too; the redirector sends it as null.)
 */
export const COUNTRY_PATTERN = /^(?:[A-Z]{2}|T1)$/;

/**
 * One scans-queue message carries a redirector batch: at most this many scans, in at most this
 * many bytes of JSON (a queue message takes 128 KB; the rest is headroom for the queue's own
 * framing and for the redirector's estimate being an upper bound of the body's size).
 */
export const PACK_LIMITS = { scans: 100, bytes: 120_000 } as const;

/**
 * Shard numbers are below this: a Worker can bind about 5,000 D1 databases. A scan message or code
 * record naming another is refused; one naming a shard this deployment lacks has its shard looked up.
 */
export const MAX_SHARDS = 5000;
