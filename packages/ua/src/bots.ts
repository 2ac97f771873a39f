import { isbot } from "isbot";
import { memoize } from "./memo.ts";

const isBotUserAgent = memoize(isbot);

export interface BotSignals {
  user_agent: string | null;
  method?: "GET" | "HEAD" | undefined;
  purpose?: string | null | undefined;
}

/**
 * A scan that no person made: a crawler or link-preview fetcher (Slackbot, WhatsApp,
 * facebookexternalhit, Twitterbot, Googlebot, ...: the maintained isbot list), a HEAD request,
 * or a browser prefetch (Sec-Purpose / Purpose: prefetch). Such scans are still redirected and
 * stored, flagged, and left out of counts unless asked for.
 */
export function isBotScan(signals: BotSignals): boolean {
  if (signals.method === "HEAD") return true;
  if (signals.purpose && /\bprefetch\b/i.test(signals.purpose)) return true;
  return isBotUserAgent(signals.user_agent ?? "");
}
