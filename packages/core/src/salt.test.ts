import { describe, expect, it } from "vitest";
import { DailySalt, ensureSalt, hashIp, saltExpiration, saltKey } from "./salt.ts";

// The packages project has no bindings of its own, so these tests use an in-memory KV with the
// same semantics for get/put and absolute expiration.
class MemoryKV {
  store = new Map<string, { value: string; expiration?: number | undefined }>();
  puts = 0;
  gets = 0;
  async get(key: string) {
    this.gets++;
    return this.store.get(key)?.value ?? null;
  }
  async put(key: string, value: string, options?: { expiration?: number }) {
    this.puts++;
    this.store.set(key, { value, expiration: options?.expiration });
  }
}
const kv = () => new MemoryKV() as MemoryKV & KVNamespace;

const NOON = Date.parse("2026-05-12T12:00:00.000Z");
const NEXT_DAY = Date.parse("2026-05-13T00:00:00.000Z");

describe("daily salt", () => {
  it("expires at the end of its UTC day, never more than 48 hours after it was written", () => {
    expect(saltExpiration(NOON, NOON)).toBe(NEXT_DAY / 1000);
    const fiveAfterMidnight = Date.parse("2026-05-12T00:05:00.000Z");
    const tomorrow = fiveAfterMidnight + 86_400_000;
    expect(saltExpiration(tomorrow, fiveAfterMidnight) * 1000 - fiveAfterMidnight).toBeLessThanOrEqual(48 * 3600_000);
    // KV refuses expirations less than 60 s ahead.
    expect(saltExpiration(NEXT_DAY - 1000, NEXT_DAY - 1000)).toBe((NEXT_DAY - 1000 + 60_000) / 1000);
  });

  it("creates a missing salt once, then serves it from memory for the rest of the day", async () => {
    const store = kv();
    const salts = new DailySalt(store);
    const first = await salts.get(NOON);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(store.store.get(saltKey("2026-05-12"))).toEqual({ value: first, expiration: NEXT_DAY / 1000 });
    // A salt this isolate created itself is re-read after a minute (another isolate may have won).
    expect(await salts.get(NOON + 1000)).toBe(first);
    expect(store.gets).toBe(1);
    expect(await salts.get(NOON + 61_000)).toBe(first);
    expect(store.gets).toBe(2);
    expect(store.puts).toBe(1);
  });

  it("adopts the salt in KV after losing a race", async () => {
    const store = kv();
    const mine = await new DailySalt(store).get(NOON);
    const other = new DailySalt(store);
    await store.put(saltKey("2026-05-12"), "b".repeat(64));
    expect(await other.get(NOON)).toBe("b".repeat(64));
    expect(mine).not.toBe("b".repeat(64));
  });

  it("uses a new salt on a new day", async () => {
    const salts = new DailySalt(kv());
    expect(await salts.get(NOON)).not.toBe(await salts.get(NEXT_DAY + 1));
  });

  it("ensureSalt writes only when missing", async () => {
    const store = kv();
    expect(await ensureSalt(store, NEXT_DAY, NOON)).toBe(true);
    expect(await ensureSalt(store, NEXT_DAY, NOON)).toBe(false);
    expect(store.puts).toBe(1);
  });

  it("hashes IP + salt with SHA-256", async () => {
    // echo -n "203.0.113.7salt" | sha256sum
    expect(hashIp("203.0.113.7", "salt")).toBe("d0f57c275459c517fe85a1cac67b1c5ed1f0f63163f67554475c939f55b1ad8a");
  });

});
