import { describe, expect, it } from "vitest";
import { parseUserAgent } from "./index.ts";

const UA = {
  iphone:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  ipad: "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
  android:
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
  androidTablet:
    "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
  mac: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
  windowsFirefox: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
  linuxChrome: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
  iphoneFirefox:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/127.0 Mobile/15E148 Safari/605.1.15",
};

describe("parseUserAgent", () => {
  it.each([
    ["iphone", "mobile", "iOS", "Safari"],
    ["ipad", "tablet", "iOS", "Safari"],
    ["android", "mobile", "Android", "Chrome"],
    ["androidTablet", "tablet", "Android", "Chrome"],
    ["mac", "desktop", "macOS", "Safari"],
    ["windowsFirefox", "desktop", "Windows", "Firefox"],
    ["linuxChrome", "desktop", "Linux", "Chrome"],
    ["iphoneFirefox", "mobile", "iOS", "Firefox"],
  ] as const)("%s → %s / %s / %s", (name, device_type, os, browser) => {
    expect(parseUserAgent(UA[name])).toEqual({ device_type, os, browser });
  });

  it("returns nulls for a missing or unrecognisable user agent", () => {
    expect(parseUserAgent(null)).toEqual({ device_type: null, os: null, browser: null });
    expect(parseUserAgent("")).toEqual({ device_type: null, os: null, browser: null });
    expect(parseUserAgent("curl/8.5.0")).toEqual({ device_type: null, os: null, browser: null });
  });
});
