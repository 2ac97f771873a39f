import { beforeEach, describe, expect, it } from "vitest";
import { call, seedKey } from "./helpers.ts";

let key: string;
beforeEach(async () => {
  ({ key } = await seedKey());
});

const create = (body: unknown) => call("/v1/codes", { method: "POST", key, body });

describe("codes: bad input", () => {
  it.each([
    ["url: is required", {}],
    ["url: must be a string", { url: 42 }],
    ["url: must be an http or https URL", { url: "not a url" }],
    ["url: must be an http or https URL", { url: "ftp://example.com/file" }],
    ["url: must be an http or https URL", { url: "javascript:alert(1)" }],
    ["url: must be at most 2048 characters", { url: `https://example.com/${"a".repeat(2048)}` }],
    ['short_code: must be 3 to 64 letters, digits, "-" or "_"', { url: "https://example.com", short_code: "a b" }],
    ['short_code: must be 3 to 64 letters, digits, "-" or "_"', { url: "https://example.com", short_code: "ab" }],
    ['short_code: must be 3 to 64 letters, digits, "-" or "_"', { url: "https://example.com", short_code: "x".repeat(65) }],
    ['short_code: must be 3 to 64 letters, digits, "-" or "_"', { url: "https://example.com", short_code: "v1" }],
    ["short_code: is reserved", { url: "https://example.com", short_code: "api" }],
    ["destination: is not a known field", { url: "https://example.com", destination: "x" }],
  ])("POST → 400 %s", async (message, body) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: { code: "BAD_REQUEST", message }, meta: { request_id: expect.stringMatching(/^req_/) } });
  });

  it.each([
    ["{not json", "body: must be valid JSON"],
    ["[1,2]", "body: must be a JSON object"],
    ["null", "body: must be a JSON object"],
    ["", "body: must be valid JSON"],
  ])("POST raw %j → 400 %s", async (rawBody, message) => {
    const res = await call("/v1/codes", { method: "POST", key, rawBody, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ code: "BAD_REQUEST", message });
  });

  it("answers 409 for a taken short code", async () => {
    expect((await create({ url: "https://example.com", short_code: "taken1" })).status).toBe(201);
    const res = await create({ url: "https://example.org", short_code: "taken1" });
    expect(res.status).toBe(409);
    expect(res.json.error).toEqual({ code: "CONFLICT", message: "short_code: is already taken" });
  });

  it("answers 409 when another workspace holds the short code", async () => {
    const other = await seedKey("free", "Other");
    await call("/v1/codes", { method: "POST", key: other.key, body: { url: "https://example.com", short_code: "theirs" } });
    expect((await create({ url: "https://example.com", short_code: "theirs" })).status).toBe(409);
  });

  it.each([
    [{}, "body: must contain at least one field of the code"],
    [{ status: "paused" }, 'status: must be one of "active", "disabled"'],
    [{ url: "mailto:a@b.c" }, "url: must be an http or https URL"],
    [{ short_code: "new123" }, "short_code: is not a known field"],
  ])("PATCH %j → 400 %s", async (body, message) => {
    const id = (await create({ url: "https://example.com" })).json.data.id;
    const res = await call(`/v1/codes/${id}`, { method: "PATCH", key, body });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe(message);
  });

  it.each([
    ["limit=0", "limit: must be at least 1"],
    ["limit=101", "limit: must be at most 100"],
    ["limit=ten", "limit: must be a whole number"],
    ["limit=1&limit=2", "limit: must be given once"],
    ["cursor=abc", "cursor: is not a valid cursor"],
  ])("GET /v1/codes?%s → 400 %s", async (query, message) => {
    const res = await call(`/v1/codes?${query}`, { key });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe(message);
  });

  it.each(["GET", "PATCH", "DELETE"])("%s of an unknown code → 404", async (method) => {
    const res = await call("/v1/codes/qr_00000000000000000000000000", { method, key, body: method === "PATCH" ? { status: "active" } : undefined });
    expect(res.status).toBe(404);
    expect(res.json.error).toEqual({ code: "NOT_FOUND", message: "Code not found" });
  });

  it("answers 405 with Allow for a known path and another method", async () => {
    const res = await call("/v1/codes", { method: "PUT", key, body: {} });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST, GET, HEAD");
    expect(res.json.error.code).toBe("METHOD_NOT_ALLOWED");
  });

  it("answers 404 for an unknown route", async () => {
    const res = await call("/v1/nothing-here", { key });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("NOT_FOUND");
    expect(res.headers.get("x-request-id")).toBe(res.json.meta.request_id);
  });
});
