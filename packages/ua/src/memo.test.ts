import { describe, expect, it } from "vitest";
import { memoize } from "./memo.ts";

describe("memoize", () => {
  it("computes each input once while it is among the last `size` distinct inputs", () => {
    const calls: string[] = [];
    const upper = memoize((s) => (calls.push(s), s.toUpperCase()), 2);
    expect([upper("a"), upper("b"), upper("a")]).toEqual(["A", "B", "A"]);
    expect(calls).toEqual(["a", "b"]);
    upper("c"); // evicts "a", the oldest
    expect([upper("b"), upper("a")]).toEqual(["B", "A"]);
    expect(calls).toEqual(["a", "b", "c", "a"]);
  });

  it("keeps falsy answers too", () => {
    let calls = 0;
    const no = memoize(() => (calls++, false));
    no("x");
    no("x");
    expect(calls).toBe(1);
  });
});
