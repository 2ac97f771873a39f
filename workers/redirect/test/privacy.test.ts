import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { DAY_MS, MIN_EXPIRY_AHEAD_MS, saltKey, sha256Hex, startOfUtcDay, utcDate } from "@qr3/core";
import { expect, it, vi } from "vitest";
import { describeAtClocks } from "../../../test/clocks.ts";
import { handleRedirect } from "../src/redirect.ts";
import { putLink, recordingEnv } from "./helpers.ts";

const IP = "198.51.100.23";

async function scanAt(ms: number, ip = IP, testEnv = recordingEnv()) {
  vi.setSystemTime(ms);
  const ctx = createExecutionContext();
  await handleRedirect(new Request("https://qr3.test/privacy1", { headers: { "cf-connecting-ip": ip } }), testEnv.env, ctx);
  await waitOnExecutionContext(ctx);
  return testEnv.sent[0]!.ip_hash!;
}

describeAtClocks("IP hashing", ({ now }) => {
  const dayStart = startOfUtcDay(now);
  const dayEnd = dayStart + DAY_MS;

  it("gives one IP one hash within a UTC day and another hash the next day", async () => {
    await putLink("privacy1");
    const first = await scanAt(now);
    const later = await scanAt(dayEnd - 1000);
    const nextDay = await scanAt(dayEnd + 1000);
    const otherIp = await scanAt(dayEnd + 2000, "198.51.100.24");
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(later).toBe(first);
    expect(nextDay).not.toBe(first);
    expect(otherIp).not.toBe(nextDay);
  });

  it("keeps each day's salt in KV only until its day ends, never more than 48 hours", async () => {
    await putLink("privacy1");
    // Written afresh now (this isolate last used another day's salt, and another clock's block
    // may have written this day's at another time).
    const day = utcDate(now);
    await env.SALTS.delete(saltKey(day));
    await scanAt(now);
    const { keys } = await env.SALTS.list({ prefix: saltKey(day) });
    expect(keys).toHaveLength(1);
    const expiresAt = keys[0]!.expiration! * 1000;
    // A salt written in its day's last seconds outlives the day by the minimum KV accepts.
    expect(expiresAt).toBe(dayEnd - now >= MIN_EXPIRY_AHEAD_MS ? dayEnd : Math.ceil((now + MIN_EXPIRY_AHEAD_MS) / 1000) * 1000);
    expect(expiresAt - now).toBeLessThanOrEqual(48 * 3600_000);
  });

  it("cannot be recomputed from the IP, the date and the algorithm: the salt is a secret", async () => {
    await putLink("privacy1");
    const at = dayEnd + 4 * DAY_MS + 12 * 3600_000;
    const day = utcDate(at);
    const hash = await scanAt(at);
    for (const guess of [IP, `${IP}${day}`, `${day}${IP}`, `${IP}salt:${day}`]) {
      expect(await sha256Hex(guess)).not.toBe(hash);
    }
    // It is the SHA-256 of the IP and that day's random salt, which only KV holds.
    const salt = await env.SALTS.get(`salt:${day}`);
    expect(salt).toMatch(/^[0-9a-f]{64}$/);
    expect(await sha256Hex(IP + salt)).toBe(hash);
  });
});
