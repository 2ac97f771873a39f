import UAParser from "ua-parser-js";
import type { DeviceType } from "@qr3/schema";

export interface ParsedUserAgent {
  device_type: DeviceType | null;
  os: string | null;
  browser: string | null;
}

// ua-parser-js names that we present differently, so dashboards read "macOS", not "Mac OS".
const OS_NAMES: Record<string, string> = {
  "Mac OS": "macOS",
  "Chromium OS": "ChromeOS",
  "Chrome OS": "ChromeOS",
};

const DESKTOP_OS = new Set(["Windows", "macOS", "Linux", "Ubuntu", "Debian", "Fedora", "ChromeOS", "FreeBSD", "OpenBSD"]);

function browserName(name: string | undefined): string | null {
  if (!name) return null;
  // "Mobile Safari", "Mobile Firefox", "Mobile Chrome": the device type already says mobile.
  return name.startsWith("Mobile ") ? name.slice("Mobile ".length) : name;
}

function deviceType(type: string | undefined, os: string | null): DeviceType | null {
  switch (type) {
    case "mobile":
    case "wearable":
      return "mobile";
    case "tablet":
      return "tablet";
    case undefined:
      // ua-parser-js reports no device type for ordinary computers.
      return os !== null && DESKTOP_OS.has(os) ? "desktop" : null;
    default:
      return null; // consoles, smart TVs, embedded: none of the three
  }
}

// Scans repeat the same few hundred user agents (one phone model and OS version scans many
// codes), and parsing one costs about 40 µs: a small per-isolate cache saves most of it.
const CACHE_SIZE = 2000;
const cache = new Map<string, ParsedUserAgent>();

export function parseUserAgent(ua: string | null): ParsedUserAgent {
  if (!ua) return { device_type: null, os: null, browser: null };
  const hit = cache.get(ua);
  if (hit) return hit;
  const parsed = parse(ua);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(ua, parsed);
  return parsed;
}

function parse(ua: string): ParsedUserAgent {
  const result = new UAParser(ua).getResult();
  const rawOs = result.os.name;
  const os = rawOs ? (OS_NAMES[rawOs] ?? rawOs) : null;
  return { device_type: deviceType(result.device.type, os), os, browser: browserName(result.browser.name) };
}

export { isBotScan, type BotSignals } from "./bots.ts";
