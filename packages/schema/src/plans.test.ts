import { describe, expect, it } from "vitest";
import { retentionDaysFor } from "./plans.ts";

describe("retentionDaysFor", () => {
  it("gives each plan its documented retention", () => {
    expect(retentionDaysFor("free")).toBe(7);
    expect(retentionDaysFor("pro")).toBe(90);
    expect(retentionDaysFor("business")).toBe(365);
    expect(retentionDaysFor("agency")).toBe(365);
    expect(retentionDaysFor("enterprise", 730)).toBe(730);
  });

  it("requires a custom value for enterprise only", () => {
    expect(() => retentionDaysFor("enterprise")).toThrow(/enterprise plan needs/);
    expect(() => retentionDaysFor("enterprise", 0)).toThrow();
    expect(() => retentionDaysFor("enterprise", 4000)).toThrow();
    expect(() => retentionDaysFor("pro", 30)).toThrow(/only enterprise/);
    expect(retentionDaysFor("pro", 90)).toBe(90);
  });
});
