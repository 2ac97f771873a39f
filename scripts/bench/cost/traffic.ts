// The traffic the storage-cost benchmark loads: a year of scans with the spread of real use (a few
// busy codes and many quiet ones; several countries, cities, devices, referers and languages;
// mostly distinct visitors; some bots), as the redirector's scan messages. Deterministic: every
// run loads the same year for the same number of scans.
import { newId } from "@qr3/core";
import type { ScanMessage } from "@qr3/schema";
import { seededRandom } from "../../../test/random.ts";

export const DAY = 86_400_000;

export const random = seededRandom(20261201);

/** A value from weighted choices: [[value, weight], ...]. */
function weighted<T>(choices: ReadonlyArray<readonly [T, number]>): () => T {
  const total = choices.reduce((s, [, w]) => s + w, 0);
  return () => {
    let r = random() * total;
    for (const [v, w] of choices) if ((r -= w) < 0) return v;
    return choices.at(-1)![0];
  };
}

const PLACES = weighted<[string | null, string | null, string | null]>([
  [["AT", "Vienna", "Vienna"], 20], [["AT", "Styria", "Graz"], 6], [["AT", "Upper Austria", "Linz"], 4], [["AT", "Salzburg", "Salzburg"], 3],
  [["DE", "Berlin", "Berlin"], 10], [["DE", "Bavaria", "Munich"], 8], [["DE", "Hamburg", "Hamburg"], 5], [["DE", "Hesse", "Frankfurt am Main"], 4],
  [["DE", "North Rhine-Westphalia", "Cologne"], 4], [["CH", "Zurich", "Zürich"], 5], [["CH", "Geneva", "Geneva"], 2], [["US", "New York", "New York"], 5],
  [["US", "California", "San Francisco"], 3], [["US", "Texas", "Austin"], 2], [["GB", "England", "London"], 5], [["FR", "Île-de-France", "Paris"], 4],
  [["IT", "Lombardy", "Milan"], 3], [["NL", "North Holland", "Amsterdam"], 3], [["PL", "Masovia", "Warsaw"], 2], [["ES", "Madrid", "Madrid"], 2],
  [["CZ", "Prague", "Prague"], 2], [["HU", "Budapest", "Budapest"], 2], [[null, null, null], 2], [["T1", null, null], 0.2],
]);
const AGENTS = weighted<string | null>([
  ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", 35],
  ["Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36", 20],
  ["Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36", 10],
  ["Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", 5],
  ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1", 5],
  ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15", 8],
  ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0", 8],
  ["Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0", 4],
  ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", 2],
  [null, 1],
]);
const BOT_AGENTS = weighted([
  ["Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", 3],
  ["WhatsApp/2.23.20.0", 3],
  ["facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", 2],
  ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 2],
  ["TelegramBot (like TwitterBot)", 1],
]);
const REFERERS = weighted<string | null>([
  [null, 70], ["https://www.instagram.com/", 8], ["https://l.facebook.com/", 5], ["https://www.google.com/", 5], ["https://t.co/", 2],
  ["https://www.linkedin.com/", 2], ["android-app://com.google.android.gm/", 2], ["https://news.example.org/2026/spring-menu?utm_source=qr", 1],
  ["https://www.example.com/flyer", 1], ["https://duckduckgo.com/", 1],
]);
const LANGUAGES = weighted<string | null>([["de", 45], ["en", 30], ["fr", 5], ["it", 4], ["es", 3], ["nl", 3], ["pl", 2], ["cs", 2], ["hu", 2], [null, 4]]);
// More scans by day than at night: the hour a 3-hour slot begins at, weighted.
const SLOTS = weighted([[0, 1], [6, 3], [9, 6], [12, 8], [15, 7], [18, 6], [21, 3]]);

/** Share of scans sent by bots (the consumer tells them by their user agent). */
export const BOTS = 0.04;
/** Share of a workspace's human scans of a day that come from a visitor already seen that day. */
const RETURNING = 0.15;

export interface Code {
  id: string;
  short_code: string;
  workspace_id: string;
  shard: number;
  /** Destinations over the year: a code has had one to three URLs. */
  urls: string[];
  /** Share of all scans: a few busy codes, many quiet ones (Zipf). */
  weight: number;
}

const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join("");

/** Picks codes by their weight. */
export function codePicker(codes: readonly Code[]): () => Code {
  let acc = 0;
  const cumulative = codes.map((c) => (acc += c.weight));
  return () => {
    const r = random() * acc;
    return codes[cumulative.findIndex((c) => r < c)] ?? codes.at(-1)!;
  };
}

/** Scans in a day, weekdays busier than weekends, with a slow rise over the year: sums to about `total` over `days`. */
export function scansOnDay(total: number, dayIndex: number, days: number, weekday: number): number {
  const share = (weekday === 0 || weekday === 6 ? 0.7 : 1.1) * (0.8 + (0.4 * dayIndex) / days);
  return Math.round((total * share) / days / 0.99);
}

/**
 * A day's scans in time order, `count` of them, as the redirector's scan messages (with the shard
 * of each code, as its KV record has it). `yearStart` and `days` place each code's URL changes.
 */
export function dayOfScans(day: number, count: number, pick: () => Code, yearStart: number, days: number): ScanMessage[] {
  const times = Array.from({ length: count }, () => day + (SLOTS() + random() * 3) * 3_600_000).sort((a, b) => a - b);
  const visitors = new Map<string, string[]>();
  return times.map((t) => {
    const code = pick();
    const bot = random() < BOTS;
    const [country, region, city] = bot ? ["US", "California", "Mountain View"] : PLACES();
    const seen = visitors.get(code.workspace_id) ?? [];
    const ip = !bot && seen.length && random() < RETURNING ? seen[Math.floor(random() * seen.length)]! : hex(64);
    seen.push(ip);
    visitors.set(code.workspace_id, seen);
    const scannedAt = Math.floor(Math.min(t, day + DAY - 1));
    const version = Math.min(code.urls.length - 1, Math.floor(((t - yearStart) / (days * DAY)) * code.urls.length));
    return {
      scan_id: newId("scn", scannedAt),
      code_id: code.id,
      workspace_id: code.workspace_id,
      scanned_at: new Date(scannedAt).toISOString(),
      country,
      region,
      city,
      user_agent: bot ? BOT_AGENTS() : AGENTS(),
      referer: bot ? null : REFERERS(),
      language: bot ? null : LANGUAGES(),
      redirected_to: code.urls[version]!,
      ip_hash: ip,
      method: "GET",
      shard: code.shard,
    };
  });
}
