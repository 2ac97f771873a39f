import { describe, expect, it } from "vitest";
import { CLOCKS } from "../../../test/clocks.ts";
import { DailySalt, ensureSalt, hashIp, MIN_EXPIRY_AHEAD_MS, saltExpiration, saltKey } from "./salt.ts";
import { DAY_MS, startOfUtcDay, utcDate } from "./time.ts";

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

describe.each(CLOCKS)("daily salt at $name", ({ now }) => {
  const dayEnd = startOfUtcDay(now) + DAY_MS;
  const today = utcDate(now);
  const expiresAt = (key: string, store: MemoryKV) => store.store.get(key)!.expiration! * 1000;

  it("expires at the end of its UTC day, at least a minute ahead and never more than 48 hours after it was written", () => {
    const expires = saltExpiration(now, now) * 1000;
    expect(expires).toBeGreaterThanOrEqual(dayEnd);
    expect(expires - now).toBeLessThanOrEqual(48 * 3600_000);
    // KV refuses expirations less than 60 s ahead: a salt written in its day's last minute
    // outlives the day by about a minute.
    expect(expires).toBeGreaterThanOrEqual(now + 60_000);
    expect(expires).toBe(dayEnd - now >= MIN_EXPIRY_AHEAD_MS ? dayEnd : Math.ceil((now + MIN_EXPIRY_AHEAD_MS) / 1000) * 1000);
    const fiveAfterMidnight = startOfUtcDay(now) + 5 * 60_000;
    const tomorrow = fiveAfterMidnight + DAY_MS;
    expect(saltExpiration(tomorrow, fiveAfterMidnight) * 1000).toBe(startOfUtcDay(now) + 2 * DAY_MS);
    expect(saltExpiration(tomorrow, fiveAfterMidnight) * 1000 - fiveAfterMidnight).toBeLessThanOrEqual(48 * 3600_000);
    expect(saltExpiration(dayEnd - 1000, dayEnd - 1000)).toBe((dayEnd - 1000 + MIN_EXPIRY_AHEAD_MS) / 1000);
  });

  it("creates a missing salt once, then serves it from memory for the rest of the day", async () => {
    const store = kv();
    const salts = new DailySalt(store);
    const first = await salts.get(now);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(store.store.get(saltKey(today))!.value).toBe(first);
    expect(expiresAt(saltKey(today), store)).toBe(saltExpiration(now, now) * 1000);
    // A salt this isolate created itself is re-read after a minute (another isolate may have won).
    expect(await salts.get(now + 1000)).toBe(first);
    expect(store.gets).toBe(1);
    const aMinuteLater = await salts.get(now + 61_000);
    expect(store.gets).toBe(2);
    // The same salt, unless that minute began another UTC day.
    expect(aMinuteLater === first).toBe(utcDate(now + 61_000) === today);
  });

  it("serves a salt read from KV until its day ends, then reads the next day's", async () => {
    const store = kv();
    await store.put(saltKey(today), "c".repeat(64));
    const salts = new DailySalt(store);
    expect(await salts.get(now)).toBe("c".repeat(64));
    expect(await salts.get(dayEnd - 1)).toBe("c".repeat(64));
    expect(store.gets).toBe(1);
    expect(await salts.get(dayEnd)).not.toBe("c".repeat(64));
    expect(store.store.has(saltKey(utcDate(dayEnd)))).toBe(true);
  });

  it("adopts the salt in KV after losing a race", async () => {
    const store = kv();
    const mine = await new DailySalt(store).get(now);
    const other = new DailySalt(store);
    await store.put(saltKey(today), "b".repeat(64));
    expect(await other.get(now)).toBe("b".repeat(64));
    expect(mine).not.toBe("b".repeat(64));
  });

  it("uses a new salt on a new day", async () => {
    const salts = new DailySalt(kv());
    expect(await salts.get(now)).not.toBe(await salts.get(dayEnd + 1));
  });

  it("ensureSalt writes only when missing, tomorrow's under tomorrow's date", async () => {
    const store = kv();
    expect(await ensureSalt(store, now + DAY_MS, now)).toBe(true);
    expect(await ensureSalt(store, now + DAY_MS, now)).toBe(false);
    expect(store.puts).toBe(1);
    expect([...store.store.keys()]).toEqual([saltKey(utcDate(dayEnd))]);
    expect(expiresAt(saltKey(utcDate(dayEnd)), store)).toBe(dayEnd + DAY_MS);
  });
});

describe("ip hash", () => {
  it("hashes IP + salt with SHA-256", async () => {
    // echo -n "203.0.113.7salt" | sha256sum
    expect(hashIp("203.0.113.7", "salt")).toBe("d0f57c275459c517fe85a1cac67b1c5ed1f0f63163f67554475c939f55b1ad8a");
  });
});
