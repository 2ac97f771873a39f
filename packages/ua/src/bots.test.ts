import { describe, expect, it } from "vitest";
import { isBotScan } from "./bots.ts";

const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

describe("isBotScan", () => {
  it.each([
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "WhatsApp/2.23.20.0",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "TelegramBot (like TwitterBot)",
    "curl/8.5.0",
  ])("flags %s", (ua) => {
    expect(isBotScan({ user_agent: ua })).toBe(true);
  });

  it("flags HEAD requests and browser prefetches, whatever the user agent", () => {
    expect(isBotScan({ user_agent: IPHONE, method: "HEAD" })).toBe(true);
    expect(isBotScan({ user_agent: IPHONE, purpose: "prefetch" })).toBe(true);
    expect(isBotScan({ user_agent: IPHONE, purpose: "prefetch;prerender" })).toBe(true);
  });

  it("lets a person's phone through", () => {
    expect(isBotScan({ user_agent: IPHONE, method: "GET", purpose: null })).toBe(false);
    expect(isBotScan({ user_agent: IPHONE })).toBe(false);
  });
});
