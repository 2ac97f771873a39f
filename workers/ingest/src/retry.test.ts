import { describe, expect, it } from "vitest";
import { retryDelaySeconds } from "./retry.ts";

describe("retryDelaySeconds", () => {
  it("doubles from 5 s and caps at 15 minutes", () => {
    expect([1, 2, 3, 4, 5, 8, 9, 10, 50].map(retryDelaySeconds)).toEqual([5, 10, 20, 40, 80, 640, 900, 900, 900]);
  });
});
