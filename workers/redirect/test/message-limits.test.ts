import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { LIMITS, ScanMessageSchema, type ScanMessage } from "@qr3/schema";
import { describe, expect, it } from "vitest";
import { handleRedirect } from "../src/redirect.ts";
import { fitText } from "../src/scan-message.ts";
import { OWN_ORIGIN, putLink, recordingEnv } from "./helpers.ts";

// The redirector answers a scan before its message reaches the consumer, which refuses any
// message its schema does not take: a scan answered but refused is lost. So the redirector's
// real output, for whatever a request carries, must always parse.
const long = (n: number) => "a".repeat(n);
// Cut at an even length, these leave the first half of a surrogate pair at the cut.
const splitEmoji = (n: number) => `x${"😀".repeat(n)}`;

interface Hostile {
  name: string;
  headers?: Record<string, string>;
  cf?: Record<string, unknown>;
  expected: Partial<ScanMessage>;
}

const HOSTILE: Hostile[] = [
  {
    name: "very long headers",
    headers: { "user-agent": long(10_000), referer: `https://example.com/${long(10_000)}`, "sec-purpose": long(1000), "accept-language": long(10_000) },
    expected: { user_agent: long(LIMITS.user_agent), referer: `https://example.com/${long(10_000)}`.slice(0, LIMITS.referer), purpose: long(LIMITS.purpose), language: null },
  },
  {
    name: "very long cf values",
    cf: { country: long(200), region: long(10_000), city: long(129) },
    expected: { country: null, region: long(LIMITS.geo), city: long(LIMITS.geo) },
  },
  {
    name: "cuts that would split a surrogate pair",
    headers: { purpose: splitEmoji(40) },
    cf: { region: splitEmoji(100), city: splitEmoji(LIMITS.geo) },
    expected: { purpose: splitEmoji(31), region: splitEmoji(63), city: splitEmoji(63) },
  },
  {
    name: "lone surrogates in cf",
    cf: { region: "\ud800", city: "Wien\udc00" },
    expected: { region: "\ufffd", city: "Wien\ufffd" },
  },
  {
    name: "non-ASCII",
    headers: { "user-agent": "Mözilla/5.0 😀", referer: "https://bücher.example/straße" },
    cf: { country: "ÖS", region: "Niederösterreich", city: "Zürich 😀" },
    expected: { country: null, region: "Niederösterreich", city: "Zürich 😀" },
  },
  {
    name: "control characters",
    headers: { "user-agent": "a\u0001b\u007fc\u000bd", referer: "\u0001", "accept-language": "\u0001de" },
    cf: { country: "A\u0000", region: "\u0000", city: "a\u0000b" },
    expected: { user_agent: "a\u0001b\u007fc\u000bd", referer: "\u0001", language: null, country: null, region: "\u0000", city: "a\u0000b" },
  },
  {
    name: "empty strings",
    headers: { "user-agent": "", referer: "", "accept-language": "", "sec-purpose": "", purpose: "" },
    cf: { country: "", region: "", city: "" },
    expected: { user_agent: null, referer: null, language: null, purpose: null, country: null, region: null, city: null },
  },
  {
    name: "numbers and objects instead of strings in cf",
    cf: { country: 43, region: 7, city: { name: "Vienna" } },
    expected: { country: null, region: null, city: null },
  },
  { name: "a lower-case country", cf: { country: "at" }, expected: { country: null } },
  { name: "a three-letter country", cf: { country: "AUT" }, expected: { country: null } },
  { name: "Cloudflare's unknown country", cf: { country: "XX" }, expected: { country: null } },
  { name: "Tor", cf: { country: "T1" }, expected: { country: "T1" } },
  { name: "a country code", cf: { country: "AT" }, expected: { country: "AT" } },
];

async function messageFor(hostile: Hostile, url?: string): Promise<ScanMessage> {
  await putLink("limits1", url ? { url } : {});
  const recorded = recordingEnv();
  const ctx = createExecutionContext();
  const request = new Request(`${OWN_ORIGIN}/limits1`, {
    headers: { "cf-connecting-ip": "203.0.113.9", ...hostile.headers },
    cf: hostile.cf as IncomingRequestCfProperties | undefined,
  });
  const response = await handleRedirect(request, recorded.env, ctx);
  await waitOnExecutionContext(ctx);
  expect(response.status).toBe(302);
  expect(recorded.sent).toHaveLength(1);
  return recorded.sent[0]!;
}

// Values are compared as JSON, which escapes lone surrogates: a failure's report (sent from
// workerd to vitest as UTF-8) cannot carry one raw.
const asJson = (value: unknown) => JSON.stringify(value);

function expectAccepted(message: ScanMessage): void {
  const parsed = ScanMessageSchema.safeParse(message);
  expect(parsed.success, asJson(parsed.error?.issues)).toBe(true);
  for (const [field, value] of Object.entries(message)) {
    if (typeof value === "string") expect(value.isWellFormed(), `${field}: ${asJson(value)}`).toBe(true);
  }
}

function expectFields(message: ScanMessage, expected: Partial<ScanMessage>): void {
  const actual = Object.fromEntries(Object.keys(expected).map((k) => [k, message[k as keyof ScanMessage]]));
  expect(asJson(actual)).toBe(asJson(expected));
}

describe("scan messages from hostile requests", () => {
  it.each(HOSTILE)("parse with the consumer's schema: $name", async (hostile) => {
    const message = await messageFor(hostile);
    expectAccepted(message);
    expectFields(message, hostile.expected);
  });

  it("parse when the destination is as long as the API allows, and its Location far longer", async () => {
    const url = `https://example.com/${"ü".repeat(LIMITS.url - 20)}`;
    const message = await messageFor({ name: "long url", expected: {} }, url);
    expectAccepted(message);
    expect(message.redirected_to).toBe(url);
    expect(new URL(url).href.length).toBeGreaterThan(LIMITS.url);
  });
});

describe("fitText", () => {
  it.each([
    ["abc", 2, "ab"],
    ["abc", 5, "abc"],
    ["a😀", 2, "a"],
    ["a😀", 3, "a😀"],
    ["😀", 1, ""],
    ["a\ud800b", 5, "a\ufffdb"],
    ["ab\udc00", 3, "ab\ufffd"],
  ])("%j in %i units → %j", (value, max, expected) => {
    expect(asJson(fitText(value, max))).toBe(asJson(expected));
  });
});
