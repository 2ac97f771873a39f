import { describe, expect, it } from "vitest";
import { tailCounts, type TailRow } from "./tail.ts";

const row = (over: Partial<TailRow>): TailRow => ({ is_bot: 0, ip_hash: "v1", day: "2026-12-01", quarter: 100, f: null, l: null, ...over });

describe("tailCounts: the waiting scans as the fold would count them", () => {
  it("counts a new visitor once on its day, first at its first quarter and last at its last", () => {
    const { days, quarters } = tailCounts([row({ quarter: 105 }), row({ quarter: 101 }), row({ quarter: 103 })]);
    expect(days.get("2026-12-01")).toEqual({ scans: 3, bot_scans: 0, uniques: 1 });
    expect(quarters.get(101)).toMatchObject({ scans: 1, first_visits: 1, last_visits: 0 });
    expect(quarters.get(103)).toMatchObject({ scans: 1, first_visits: 0, last_visits: 0 });
    expect(quarters.get(105)).toMatchObject({ scans: 1, first_visits: 0, last_visits: 1 });
  });

  it("moves a known visitor's last quarter later and its first earlier, without a new unique", () => {
    const { days, quarters } = tailCounts([row({ quarter: 90, f: 95, l: 98 }), row({ quarter: 99, f: 95, l: 98 })]);
    expect(days.get("2026-12-01")!.uniques).toBe(0);
    expect(quarters.get(95)).toMatchObject({ first_visits: -1 });
    expect(quarters.get(90)).toMatchObject({ first_visits: 1 });
    expect(quarters.get(98)).toMatchObject({ last_visits: -1 });
    expect(quarters.get(99)).toMatchObject({ last_visits: 1 });
  });

  it("leaves a known visitor whose waiting scans fall inside its known quarters as it is", () => {
    const { days, quarters } = tailCounts([row({ quarter: 96, f: 95, l: 98 })]);
    expect(days.get("2026-12-01")).toEqual({ scans: 1, bot_scans: 0, uniques: 0 });
    expect(quarters.get(96)).toEqual({ scans: 1, bot_scans: 0, first_visits: 0, last_visits: 0 });
    expect(quarters.has(95) || quarters.has(98)).toBe(false);
  });

  it("counts bots and scans without a visitor hash apart from the visitors", () => {
    const { days } = tailCounts([row({ is_bot: 1 }), row({ ip_hash: null }), row({ day: "2026-12-02", quarter: 200 })]);
    expect(days.get("2026-12-01")).toEqual({ scans: 1, bot_scans: 1, uniques: 0 });
    expect(days.get("2026-12-02")).toEqual({ scans: 1, bot_scans: 0, uniques: 1 });
  });

  it("keeps one visitor's days apart", () => {
    const { days } = tailCounts([row({}), row({ day: "2026-12-02", quarter: 196 }), row({ day: "2026-12-02", quarter: 197 })]);
    expect(days.get("2026-12-01")!.uniques).toBe(1);
    expect(days.get("2026-12-02")).toEqual({ scans: 2, bot_scans: 0, uniques: 1 });
  });
});
