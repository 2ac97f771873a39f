import * as z from "zod/mini";
import { describe, expect, it } from "vitest";
import { ApiError } from "./errors.ts";
import { parseWith } from "./validation.ts";

const messageOf = (schema: z.ZodMiniType, input: unknown) => {
  try {
    parseWith(schema, input);
  } catch (err) {
    if (err instanceof ApiError) return err.message;
  }
  throw new Error("expected a 400");
};

describe("parseWith's messages", () => {
  it.each([
    [z.array(z.string()), "x", "must be an array"],
    [z.object({ a: z.string() }), "x", "must be an object"],
    [z.int(), 1.5, "must be an integer"],
    [z.number(), "x", "must be a number"],
    [z.string(), 1, "must be a string"],
    [z.boolean(), "x", "must be a boolean"],
  ])("words a wrong type with the right article: %#", (field, value, message) => {
    expect(messageOf(z.object({ field }), { field: value })).toBe(`field: ${message}`);
  });

  it("names a missing field", () => {
    expect(messageOf(z.object({ field: z.string() }), {})).toBe("field: is required");
  });
});
