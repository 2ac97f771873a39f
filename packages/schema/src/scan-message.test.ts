import { newId } from "@qr3/core";
import { describe, expect, it } from "vitest";
import { COUNTRY_PATTERN, LIMITS } from "./limits.ts";
import { ScanMessageSchema } from "./scan-message.ts";

const message = (fields: Record<string, unknown>) => ({
  scan_id: newId("scn"),
  code_id: newId("qr"),
  workspace_id: newId("ws"),
  scanned_at: new Date().toISOString(),
  country: null,
  region: null,
  city: null,
  user_agent: null,
  referer: null,
  language: null,
  redirected_to: "https://example.com/",
  ip_hash: null,
  ...fields,
});

describe("ScanMessageSchema", () => {
  it.each(["AT", "US", "T1", "XX"])("takes the country %j", (country) => {
    expect(ScanMessageSchema.safeParse(message({ country })).success).toBe(true);
  });

  it.each(["at", "AUT", "A", "", "A1", "Österreich", "AT "])("refuses the country %j", (country) => {
    expect(COUNTRY_PATTERN.test(country)).toBe(false);
    expect(ScanMessageSchema.safeParse(message({ country })).success).toBe(false);
  });

  it.each([
    ["region", LIMITS.geo],
    ["city", LIMITS.geo],
    ["user_agent", LIMITS.user_agent],
    ["referer", LIMITS.referer],
    ["language", LIMITS.language],
    ["purpose", LIMITS.purpose],
    ["redirected_to", LIMITS.url],
  ] as const)("takes %s up to its limit (%i) and no more", (field, max) => {
    expect(ScanMessageSchema.safeParse(message({ [field]: "a".repeat(max) })).success).toBe(true);
    expect(ScanMessageSchema.safeParse(message({ [field]: "a".repeat(max + 1) })).success).toBe(false);
  });
});
