import UAParser from "ua-parser-js";
import type { DeviceType } from "@qr3/schema";
import { memoize } from "./memo.ts";

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

const parseCached = memoize(parse);

export function parseUserAgent(ua: string | null): ParsedUserAgent {
  if (!ua) return { device_type: null, os: null, browser: null };
  return parseCached(ua);
}

function parse(ua: string): ParsedUserAgent {
  const result = new UAParser(ua).getResult();
  const rawOs = result.os.name;
  const os = rawOs ? (OS_NAMES[rawOs] ?? rawOs) : null;
  return { device_type: deviceType(result.device.type, os), os, browser: browserName(result.browser.name) };
}

export { isBotScan, type BotSignals } from "./bots.ts";
