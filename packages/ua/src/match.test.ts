// The redirector's matcher (match.ts, which the API's resolve uses too) agrees with ingest's user agent parser (ua-parser-js, "@qr3/ua") on every
// device type and OS a rule can name, over a corpus of real user agents taken from public fixture
// lists (test/fixtures/user-agents.json: ua-parser-js's own test data and real UA lists).
import { parseUserAgent } from "./index.ts";
import { RULE_DEVICE_TYPES, RULE_OS_NAMES } from "@qr3/schema/rule-facts";
import { describe, expect, test } from "vitest";
import userAgents from "../../../test/fixtures/user-agents.json";
import { matchDevice } from "./match.ts";

const corpus: string[] = userAgents;

describe("matchDevice agrees with ingest", () => {
  test("the corpus is big and varied enough to fail", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    expect(new Set(corpus).size).toBe(corpus.length);
    const parsed = corpus.map((ua) => parseUserAgent(ua));
    for (const os of RULE_OS_NAMES) {
      expect(parsed.filter((p) => p.os === os).length, `UAs that ingest says run ${os}`).toBeGreaterThanOrEqual(5);
    }
    for (const type of RULE_DEVICE_TYPES) {
      expect(parsed.filter((p) => p.device_type === type).length, `UAs that ingest says are ${type}`).toBeGreaterThanOrEqual(5);
    }
    // ...and the cases a rule cannot name: other OSes (Ubuntu, HarmonyOS, KaiOS...) and no device type.
    expect(parsed.filter((p) => p.os !== null && !(RULE_OS_NAMES as readonly string[]).includes(p.os)).length).toBeGreaterThanOrEqual(20);
    expect(parsed.filter((p) => p.device_type === null).length).toBeGreaterThanOrEqual(20);
  });

  test.each(corpus.map((ua) => [ua]))("%s", (ua) => {
    const ingest = parseUserAgent(ua);
    const mine = matchDevice(ua);
    for (const os of RULE_OS_NAMES) {
      expect(mine.os === os, `os ${os} for ${JSON.stringify(ua)} (ingest: ${ingest.os}, matcher: ${mine.os})`).toBe(ingest.os === os);
    }
    for (const type of RULE_DEVICE_TYPES) {
      expect(mine.device_type === type, `device_type ${type} for ${JSON.stringify(ua)} (ingest: ${ingest.device_type}, matcher: ${mine.device_type})`).toBe(ingest.device_type === type);
    }
    // Nothing outside the nameable values: what a rule cannot name is null.
    expect(mine.os === null || (RULE_OS_NAMES as readonly string[]).includes(mine.os)).toBe(true);
  });
});

describe("matchDevice", () => {
  test("no user agent, an empty one, or garbage: nothing to match", () => {
    const none = { device_type: null, os: null };
    expect(matchDevice(null)).toEqual(none);
    expect(matchDevice("")).toEqual(none);
    expect(matchDevice("   ")).toEqual(none);
    expect(matchDevice("\u0000\u00ff garbage ;;; ((")).toEqual(none);
    expect(matchDevice("x".repeat(5000))).toEqual(none);
  });

  test("a few well-known cases", () => {
    expect(matchDevice("Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6261.62 Mobile/15E148 Safari/604.1")).toEqual({ device_type: "mobile", os: "iOS" });
    expect(matchDevice("Mozilla/5.0 (iPad; CPU OS 13_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.0.0 Mobile/15E148 Safari/604.1")).toEqual({ device_type: "tablet", os: "iOS" });
    expect(matchDevice("Mozilla/5.0 (Linux; Android 12; SM-X706B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/103.0.5060.53 Safari/537.36")).toEqual({ device_type: "tablet", os: "Android" });
    expect(matchDevice("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/111.0.0.0 Safari/537.36")).toEqual({ device_type: "desktop", os: "ChromeOS" });
    // Ubuntu is a computer, but not an OS a rule can name; an Xbox says "Windows NT" but is a console.
    expect(matchDevice("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:147.0) Gecko/20100101 Firefox/147.0")).toEqual({ device_type: "desktop", os: null });
    expect(matchDevice("Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One; WebView/3.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19041")).toEqual({ device_type: null, os: null });
    expect(matchDevice("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")).toEqual({ device_type: null, os: null });
  });

  test("answers are cached but stay right", () => {
    const ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:148.0) Gecko/20100101 Firefox/148.0";
    expect(matchDevice(ua)).toEqual({ device_type: "desktop", os: "Windows" });
    expect(matchDevice(ua)).toEqual({ device_type: "desktop", os: "Windows" });
  });
});
