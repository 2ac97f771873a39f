import * as z from "zod/mini";
import { ID_PATTERN } from "@qr3/core";
import { COUNTRY_PATTERN, LIMITS, MAX_SHARDS, PACK_LIMITS } from "./limits.ts";

// The message the redirector sends for every recorded scan and the ingest worker consumes. The two
// deploy separately, so the consumer validates every body against this schema; the redirector,
// which must stay free of zod, builds the same shape from the inferred type.
// The redirector fits every field to the same limits (./limits.ts) before sending; here they only
// reject foreign input.
const text = (max: number) => z.nullable(z.string().check(z.maxLength(max)));

export const ScanMessageSchema = z.object({
  scan_id: z.string().check(z.regex(ID_PATTERN), z.startsWith("scn_")),
  code_id: z.string().check(z.regex(ID_PATTERN), z.startsWith("qr_")),
  workspace_id: z.string().check(z.regex(ID_PATTERN), z.startsWith("ws_")),
  scanned_at: z.iso.datetime({ precision: 3 }),
  country: z.nullable(z.string().check(z.regex(COUNTRY_PATTERN))),
  region: text(LIMITS.geo),
  city: text(LIMITS.geo),
  user_agent: text(LIMITS.user_agent),
  referer: text(LIMITS.referer),
  language: text(LIMITS.language),
  redirected_to: z.string().check(z.minLength(1), z.maxLength(LIMITS.url)),
  // The destination the code's settings chose, before the visitor's query string was forwarded
  // onto it: what top_destinations counts. Absent when it is redirected_to.
  destination: z.optional(z.string().check(z.minLength(1), z.maxLength(LIMITS.url))),
  ip_hash: z.nullable(z.string().check(z.regex(/^[0-9a-f]{64}$/))),
  // Signals for bot detection, which happens in the consumer. Optional: older messages lack them.
  method: z.optional(z.enum(["GET", "HEAD"])),
  purpose: z.optional(text(LIMITS.purpose)),
  // The shard that holds the code, from its KV record. Optional: messages and records from before
  // sharding lack it, and the consumer then looks the workspace's shard up.
  shard: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(MAX_SHARDS - 1))),
});

export type ScanMessage = z.infer<typeof ScanMessageSchema>;

/**
 * What the redirector sends to the scans queue: one message per batch of scans. Each scan is
 * validated on its own (one that is invalid is dropped, its siblings kept), so the pack's schema
 * only checks the envelope.
 */
export interface ScanPack {
  scans: ScanMessage[];
}

const ScanPackSchema = z.object({ scans: z.array(z.unknown()).check(z.minLength(1), z.maxLength(PACK_LIMITS.scans)) });

/**
 * The scans a scans-queue message carries: a pack's, or the one scan of a message from before
 * packing (still in the queue, or from a redirector not yet deployed anew). Null when the body is
 * neither: then nothing of it can be stored.
 */
export function scansOf(body: unknown): unknown[] | null {
  if (typeof body === "object" && body !== null && "scans" in body) {
    const pack = ScanPackSchema.safeParse(body);
    return pack.success ? pack.data.scans : null;
  }
  return [body];
}
