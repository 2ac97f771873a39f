import { describe, expect, it } from "vitest";
import { isId, newId } from "./ids.ts";
import { isShortCode, randomShortCode } from "./short-code.ts";

describe("newId", () => {
  it("prefixes and matches the id pattern", () => {
    const id = newId("scn");
    expect(id).toMatch(/^scn_[0-9a-z]{26}$/);
    expect(isId("scn", id)).toBe(true);
    expect(isId("qr", id)).toBe(false);
  });

  it("sorts by creation time", () => {
    const ids = [newId("qr", 1_700_000_000_000), newId("qr", 1_700_000_000_001), newId("qr", 1_800_000_000_000)];
    expect([...ids].sort()).toEqual(ids);
  });

  it("is unique", () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId("qr", 0)));
    expect(ids.size).toBe(10_000);
  });
});

describe("short codes", () => {
  it("generates 6 base62 characters", () => {
    for (let i = 0; i < 200; i++) expect(randomShortCode()).toMatch(/^[A-Za-z0-9]{6}$/);
  });

  it.each(["abc", "r7f3Kx", "spring-sale_2026", "a".repeat(64)])("accepts %s", (code) => {
    expect(isShortCode(code)).toBe(true);
  });

  it.each(["", "ab", "a".repeat(65), "favicon.ico", "a/b", "héllo", "a b", "%41bc"])("rejects %j", (code) => {
    expect(isShortCode(code)).toBe(false);
  });
});

describe("newApiKey", () => {
  it("makes a qr3_sk_ key, its SHA-256 and a short prefix", async () => {
    const { newApiKey } = await import("./api-keys.ts");
    const { sha256Hex } = await import("./crypto.ts");
    const { key, hash, prefix } = await newApiKey();
    expect(key).toMatch(/^qr3_sk_[A-Za-z0-9]{40}$/);
    expect(hash).toBe(await sha256Hex(key));
    expect(key.startsWith(prefix)).toBe(true);
    expect(prefix).toHaveLength(11);
    expect((await newApiKey()).key).not.toBe(key);
  });
});

describe("idsBefore", () => {
  it("sorts above every id made earlier and below every id made at or after it", async () => {
    const { idsBefore } = await import("./ids.ts");
    const t = 1_800_000_000_000;
    expect(newId("dlv", t - 1) < idsBefore("dlv", t)).toBe(true);
    expect(newId("dlv", t) > idsBefore("dlv", t)).toBe(true);
  });
});
