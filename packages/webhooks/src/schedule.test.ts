import { describe, expect, it } from "vitest";
import { delayBeforeAttempt, MAX_ATTEMPTS, RETRY_SCHEDULE_SECONDS } from "./schedule.ts";

describe("retry schedule", () => {
  it("is immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h", () => {
    expect(RETRY_SCHEDULE_SECONDS).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(MAX_ATTEMPTS).toBe(8);
    expect([1, 2, 3, 8].map(delayBeforeAttempt)).toEqual([0, 5, 300, 36000]);
    expect(delayBeforeAttempt(9)).toBeNull();
  });

  it("stays within the 12-hour limit of a queue message delay", () => {
    for (const s of RETRY_SCHEDULE_SECONDS) expect(s).toBeLessThanOrEqual(12 * 3600);
  });
});
