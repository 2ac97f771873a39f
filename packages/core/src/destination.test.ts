import { describe, expect, it } from "vitest";
import { seededRandom as seeded } from "../../../test/random.ts";
import { acceptedLanguages, bucketOf, chooseDestination, inTimeWindow, localWeekdayMinute, variantOf, withQuery, type DestinationRules, type ScanFacts } from "./destination.ts";

type Device = ReturnType<ScanFacts["device"]>;
const scan = ({
  device_type = "mobile",
  os = "iOS",
  languages = ["de", "en"],
  ...over
}: Partial<Omit<ScanFacts, "device" | "languages"> & Device & { languages: string[] }> = {}): ScanFacts => ({
  at: Date.parse("2026-06-10T12:00:00Z"), // a Wednesday
  country: "AT",
  device: () => ({ device_type, os }),
  languages: () => languages,
  query: "",
  bucket: () => 0,
  ...over,
});
const code = (over: Partial<DestinationRules> = {}): DestinationRules => ({ url: "https://example.com/", ...over });

describe("chooseDestination", () => {
  it("sends a code without rules to its url", () => {
    expect(chooseDestination(code(), scan())).toMatchObject({ url: "https://example.com/", reason: { kind: "default" } });
  });

  it("takes the first rule whose every condition holds, any value of a list matching", () => {
    const rules = code({
      rules: [
        { when: { country: ["DE", "CH"] }, url: "https://example.com/de" },
        { when: { country: ["AT"], device_type: ["desktop"] }, url: "https://example.com/at-desktop" },
        { when: { os: ["Android", "iOS"], language: ["fr", "de"] }, url: "https://example.com/app" },
        { when: { country: ["AT"] }, url: "https://example.com/at" },
      ],
    });
    expect(chooseDestination(rules, scan())).toMatchObject({ url: "https://example.com/app", reason: { kind: "rule", index: 2 } });
    expect(chooseDestination(rules, scan({ os: "Windows", device_type: "desktop" })).reason).toEqual({ kind: "rule", index: 1 });
    expect(chooseDestination(rules, scan({ os: null, languages: [] })).reason).toEqual({ kind: "rule", index: 3 });
    expect(chooseDestination(rules, scan({ country: "CH" })).reason).toEqual({ kind: "rule", index: 0 });
    // Unknown facts match no condition naming them.
    expect(chooseDestination(rules, scan({ country: null, os: null })).reason).toEqual({ kind: "default" });
  });

  it("keeps to the schedule: the fallback, or nowhere, before starts_at and from expires_at on", () => {
    const window = { starts_at: "2026-06-01T00:00:00Z", expires_at: "2026-07-01T00:00:00Z" };
    const withFallback = code({ ...window, fallback_url: "https://example.com/over", rules: [{ when: {}, url: "https://example.com/rule" }] });
    expect(chooseDestination(withFallback, scan({ at: Date.parse("2026-05-31T23:59:59.999Z") }))).toMatchObject({ url: "https://example.com/over", reason: { kind: "not_started" } });
    expect(chooseDestination(withFallback, scan({ at: Date.parse("2026-06-01T00:00:00Z") })).reason).toEqual({ kind: "rule", index: 0 });
    expect(chooseDestination(withFallback, scan({ at: Date.parse("2026-06-30T23:59:59.999Z") })).reason).toEqual({ kind: "rule", index: 0 });
    expect(chooseDestination(withFallback, scan({ at: Date.parse("2026-07-01T00:00:00Z") }))).toMatchObject({ url: "https://example.com/over", reason: { kind: "expired" } });
    expect(chooseDestination(code(window), scan({ at: Date.parse("2027-01-01T00:00:00Z") }))).toMatchObject({ url: null, reason: { kind: "expired" } });
  });

  it("sends a capped code to its fallback, before any rule", () => {
    const capped = code({ capped: true, fallback_url: "https://example.com/sold-out", rules: [{ when: {}, url: "https://example.com/rule" }] });
    expect(chooseDestination(capped, scan())).toMatchObject({ url: "https://example.com/sold-out", reason: { kind: "capped" } });
    expect(chooseDestination({ ...capped, fallback_url: null as unknown as undefined }, scan())).toMatchObject({ url: null, reason: { kind: "capped" } });
    const { fallback_url: _, ...noFallback } = capped;
    expect(chooseDestination(noFallback, scan())).toMatchObject({ url: null, reason: { kind: "capped" } });
  });

  it("splits between variants by the visitor's bucket when no rule matches", () => {
    const split = code({
      rules: [{ when: { country: ["US"] }, url: "https://example.com/us" }],
      variants: [
        { url: "https://example.com/a", weight: 70 },
        { url: "https://example.com/b", weight: 30 },
      ],
    });
    expect(chooseDestination(split, scan({ bucket: () => 69 }))).toMatchObject({ url: "https://example.com/a", reason: { kind: "variant", index: 0 } });
    expect(chooseDestination(split, scan({ bucket: () => 70 }))).toMatchObject({ url: "https://example.com/b", reason: { kind: "variant", index: 1 } });
    expect(chooseDestination(split, scan({ country: "US", bucket: () => 70 })).reason).toEqual({ kind: "rule", index: 0 });
  });

  it("adds the scan's query and UTM tags to whatever it chose, the fallback included", () => {
    const tagged = code({ expires_at: "2026-01-01T00:00:00Z", fallback_url: "https://example.com/over?a=1", forward_query: true, utm: { source: "flyer" } });
    expect(chooseDestination(tagged, scan({ query: "?a=2&b=3" })).url).toBe("https://example.com/over?a=1&utm_source=flyer&b=3");
  });
});

describe("time conditions", () => {
  it("reads weekday and time in the rule's zone, UTC by default, across the daylight-saving changes", () => {
    // Europe/Vienna goes from +01:00 to +02:00 at 01:00 UTC on 29 March 2026, back at 01:00 UTC on 25 October.
    expect(localWeekdayMinute(Date.parse("2026-03-29T00:59:00Z"), "Europe/Vienna")).toEqual({ weekday: 7, minute: 1 * 60 + 59 });
    expect(localWeekdayMinute(Date.parse("2026-03-29T01:00:00Z"), "Europe/Vienna")).toEqual({ weekday: 7, minute: 3 * 60 });
    expect(localWeekdayMinute(Date.parse("2026-10-25T00:59:00Z"), "Europe/Vienna")).toEqual({ weekday: 7, minute: 2 * 60 + 59 });
    expect(localWeekdayMinute(Date.parse("2026-10-25T01:00:00Z"), "Europe/Vienna")).toEqual({ weekday: 7, minute: 2 * 60 });
    expect(localWeekdayMinute(Date.parse("2026-06-10T23:30:00Z"), undefined)).toEqual({ weekday: 3, minute: 23 * 60 + 30 });
    // Past midnight locally, a day later than in UTC: Thursday in Tokyo, Wednesday in UTC.
    expect(localWeekdayMinute(Date.parse("2026-06-10T23:30:00Z"), "Asia/Tokyo")).toEqual({ weekday: 4, minute: 8 * 60 + 30 });
    // Half-hour and 45-minute offsets.
    expect(localWeekdayMinute(Date.parse("2026-06-10T12:00:00Z"), "Asia/Kathmandu").minute).toBe(17 * 60 + 45);
    expect(localWeekdayMinute(Date.parse("2026-06-10T12:00:00Z"), "America/St_Johns").minute).toBe(9 * 60 + 30);
    // Sunday is 7, Monday 1; a year's end changes nothing.
    expect(localWeekdayMinute(Date.parse("2026-12-31T23:59:00Z"), "UTC").weekday).toBe(4);
    expect(localWeekdayMinute(Date.parse("2027-01-03T12:00:00Z"), "UTC").weekday).toBe(7);
    expect(localWeekdayMinute(Date.parse("2027-01-04T12:00:00Z"), "UTC").weekday).toBe(1);
  });

  it("takes hours from `from` up to `to`, wrapping past midnight", () => {
    const lunch = { from: "11:30", to: "14:00" };
    expect([690, 839, 689, 840].map((m) => inTimeWindow(m, lunch))).toEqual([true, true, false, false]);
    const night = { from: "22:00", to: "06:00" };
    expect([1320, 1439, 0, 359, 360, 1319].map((m) => inTimeWindow(m, night))).toEqual([true, true, true, true, false, false]);
    expect(inTimeWindow(0, { from: "00:00", to: "00:00" })).toBe(true); // the whole day
  });

  it("matches a lunch rule on weekdays in the code's zone, not the server's", () => {
    const menu = code({ rules: [{ when: { weekday: [1, 2, 3, 4, 5], time: { from: "11:30", to: "14:00" }, tz: "America/New_York" }, url: "https://example.com/lunch" }] });
    expect(chooseDestination(menu, scan({ at: Date.parse("2026-06-10T16:00:00Z") })).reason).toEqual({ kind: "rule", index: 0 }); // 12:00 EDT, Wednesday
    expect(chooseDestination(menu, scan({ at: Date.parse("2026-06-10T12:00:00Z") })).reason).toEqual({ kind: "default" }); // 08:00 EDT
    expect(chooseDestination(menu, scan({ at: Date.parse("2026-06-13T16:00:00Z") })).reason).toEqual({ kind: "default" }); // Saturday
    // In winter New York is UTC-5: 12:00 local is 17:00 UTC.
    expect(chooseDestination(menu, scan({ at: Date.parse("2026-12-02T17:00:00Z") })).reason).toEqual({ kind: "rule", index: 0 });
    expect(chooseDestination(menu, scan({ at: Date.parse("2026-12-02T16:00:00Z") })).reason).toEqual({ kind: "default" }); // 11:00 EST
  });
});

describe("a destination's base", () => {
  it("is the URL with its UTM tags but without the forwarded query, for counting", () => {
    const tagged = code({ forward_query: true, utm: { source: "flyer" } });
    expect(chooseDestination(tagged, scan({ query: "?store=12" }))).toEqual({
      url: "https://example.com/?utm_source=flyer&store=12",
      base: "https://example.com/?utm_source=flyer",
      reason: { kind: "default" },
    });
    expect(chooseDestination(code(), scan({ query: "?store=12" })).base).toBe("https://example.com/");
    expect(chooseDestination(code({ expires_at: "2026-01-01T00:00:00Z" }), scan())).toEqual({ url: null, base: null, reason: { kind: "expired" } });
  });
});

describe("variantOf", () => {
  it("gives each variant exactly its weight's share of the 100 buckets", () => {
    for (const weights of [[50, 50], [70, 30], [1, 99], [10, 20, 30, 40], Array(10).fill(10)]) {
      const counts = weights.map(() => 0);
      for (let bucket = 0; bucket < 100; bucket++) counts[variantOf(weights.map((weight) => ({ weight })), bucket)]!++;
      expect(counts).toEqual(weights);
    }
  });
});

describe("withQuery", () => {
  it("adds the scan's parameters the destination lacks, keeping the destination's values", () => {
    const forward = { forward_query: true };
    expect(withQuery("https://example.com/p?ref=print", forward, "?ref=hack&store=12&store=13")).toBe("https://example.com/p?ref=print&store=12&store=13");
    expect(withQuery("https://example.com/p", forward, "")).toBe("https://example.com/p");
    expect(withQuery("https://example.com/p#top", forward, "a=%C3%BC")).toBe("https://example.com/p?a=%C3%BC#top");
    expect(withQuery("https://example.com/p", {}, "?a=1")).toBe("https://example.com/p");
  });

  it("adds utm_* tags unless the destination has them", () => {
    const utm = { utm: { source: "flyer", medium: "print", campaign: "spring 26" } };
    expect(withQuery("https://example.com/", utm, "")).toBe("https://example.com/?utm_source=flyer&utm_medium=print&utm_campaign=spring+26");
    expect(withQuery("https://example.com/?utm_source=menu", utm, "")).toBe("https://example.com/?utm_source=menu&utm_medium=print&utm_campaign=spring+26");
    expect(withQuery("https://example.com/", { utm: { source: "flyer" }, forward_query: true }, "utm_source=qr&x=1")).toBe("https://example.com/?utm_source=flyer&x=1");
  });
});

describe("bucketOf", () => {
  const hashes = (n: number, seed: number) => {
    const random = seeded(seed);
    return Array.from({ length: n }, () => Array.from({ length: 64 }, () => "0123456789abcdef"[Math.floor(random() * 16)]).join(""));
  };

  it("gives one visitor one bucket for a code, and buckets from 0 to 99", () => {
    for (const hash of hashes(200, 1)) {
      const bucket = bucketOf(hash, "qr_01");
      expect(bucketOf(hash, "qr_01")).toBe(bucket);
      expect(Number.isInteger(bucket) && bucket >= 0 && bucket < 100).toBe(true);
    }
  });

  // 20,000 visitors: a share's standard deviation is at most 0.35 points; 1.5 points is over 4 of them.
  it("splits many visitors as the weights say, within 1.5 percentage points", () => {
    const visitors = hashes(20_000, 2);
    for (const weights of [[50, 50], [70, 30], [10, 20, 30, 40], [5, 95]]) {
      const variants = weights.map((weight) => ({ weight }));
      const counts = weights.map(() => 0);
      for (const hash of visitors) counts[variantOf(variants, bucketOf(hash, "qr_split"))]!++;
      counts.forEach((count, i) => expect(Math.abs((100 * count) / visitors.length - weights[i]!)).toBeLessThan(1.5));
    }
  });

  it("assigns a visitor's variants of two codes independently", () => {
    const visitors = hashes(20_000, 3);
    let both = 0;
    for (const hash of visitors) if (bucketOf(hash, "qr_one") < 50 && bucketOf(hash, "qr_two") < 50) both++;
    expect(Math.abs((100 * both) / visitors.length - 25)).toBeLessThan(1.5);
  });
});

describe("acceptedLanguages", () => {
  it.each([
    ["de-AT,de;q=0.9,en;q=0.8", ["de", "en"]],
    ["en;q=0.5, fr", ["fr", "en"]],
    ["pt-BR, *;q=0.1", ["pt"]],
    ["es;q=0, it", ["it"]],
    ["", []],
    [null, []],
    ["123,  ,;;", []],
  ])("%j → %j", (header, expected) => {
    expect(acceptedLanguages(header)).toEqual(expected);
  });
});
