import * as z from "zod/mini";
import { ID_PATTERN } from "@qr3/core";
import { COUNTRY_PATTERN, LIMITS } from "./limits.ts";

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
  ip_hash: z.nullable(z.string().check(z.regex(/^[0-9a-f]{64}$/))),
  // Signals for bot detection, which happens in the consumer. Optional: older messages lack them.
  method: z.optional(z.enum(["GET", "HEAD"])),
  purpose: z.optional(text(LIMITS.purpose)),
});

export type ScanMessage = z.infer<typeof ScanMessageSchema>;
