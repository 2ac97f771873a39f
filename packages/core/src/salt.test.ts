import { describe, expect, it, vi } from "vitest";
import { CLOCKS } from "../../../test/clocks.ts";
import {
  DailySalt,
  ensureSalt,
  hashIp,
  MAX_WORKSPACE_SALTS,
  MIN_EXPIRY_AHEAD_MS,
  saltExpiration,
  saltKey,
  WorkspaceSalts,
  workspaceSalt,
} from "./salt.ts";
import { DAY_MS, startOfUtcDay, utcDate } from "./time.ts";

// The packages project has no bindings of its own, so these tests use an in-memory KV with the
// same semantics for get/put and absolute expiration.
class MemoryKV {
  store = new Map<string, { value: string; expiration?: number | undefined }>();
  puts = 0;
  gets = 0;
  /** While set, reads or writes fail as KV does when it is unavailable or rate-limited. */
  failing: "get" | "put" | null = null;
  async get(key: string) {
    this.gets++;
    if (this.failing === "get") throw new Error("KV GET failed: 500");
    return this.store.get(key)?.value ?? null;
  }
  async put(key: string, value: string, options?: { expiration?: number }) {
    this.puts++;
    if (this.failing === "put") throw new Error("KV PUT failed: 429 Too Many Requests");
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

  it.each(["put", "get"] as const)("hashes with a salt of its own while KV fails to %s it, then adopts KV's", async (failing) => {
    const store = kv();
    store.failing = failing;
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const salts = new DailySalt(store);
      const own = await salts.get(now);
      expect(own).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.parse(String(errors.mock.calls[0]![0]))).toMatchObject({ event: "salt_unavailable", day: today });
      // The same salt for this isolate while KV fails...
      expect(await salts.get(now + 5_000)).toBe(own);
      expect(store.store.has(saltKey(today))).toBe(false);
      // ...and KV's once it answers again (here another isolate has written it meanwhile).
      store.failing = null;
      await store.put(saltKey(today), "d".repeat(64));
      const later = now + 11_000;
      expect(await salts.get(later)).toBe(utcDate(later) === today ? "d".repeat(64) : expect.stringMatching(/^[0-9a-f]{64}$/));
    } finally {
      errors.mockRestore();
    }
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

describe("workspace salt", () => {
  const daySalt = "c".repeat(64);
  const ws = (n: number) => `ws_01jd${String(n).padStart(22, "0")}`;

  it("is the hex HMAC-SHA256 of the workspace id, keyed with the day's salt", () => {
    // echo -n ws_01jd0000000000000000000000 | openssl dgst -sha256 -hmac cccc...(64 c)
    expect(workspaceSalt(daySalt, ws(0))).toBe("2b8908ff811591b6ae226892a890be638dc629cf6be2480c297bc430388a008e");
    expect(workspaceSalt(daySalt, ws(1))).toBe("56844da0d6402ba837fbda123bfb9469f3e2782bde3d500616e1c82fdef67e86");
    expect(workspaceSalt("d".repeat(64), ws(0))).not.toBe(workspaceSalt(daySalt, ws(0)));
  });

  it("is derived once per workspace and day salt, and starts afresh with another day salt", () => {
    const salts = new WorkspaceSalts();
    expect(salts.get(daySalt, ws(0))).toBe(workspaceSalt(daySalt, ws(0)));
    expect(salts.get(daySalt, ws(1))).toBe(workspaceSalt(daySalt, ws(1)));
    expect(salts.get(daySalt, ws(0))).toBe(workspaceSalt(daySalt, ws(0)));
    expect(salts.size).toBe(2);
    expect(salts.get("d".repeat(64), ws(0))).toBe(workspaceSalt("d".repeat(64), ws(0)));
    expect(salts.size).toBe(1);
  });

  it("keeps at most MAX_WORKSPACE_SALTS, dropping the oldest", () => {
    const salts = new WorkspaceSalts();
    for (let i = 0; i <= MAX_WORKSPACE_SALTS; i++) salts.get(daySalt, ws(i));
    expect(salts.size).toBe(MAX_WORKSPACE_SALTS);
    // Still right for an evicted workspace: derived again.
    expect(salts.get(daySalt, ws(0))).toBe(workspaceSalt(daySalt, ws(0)));
  });
});
