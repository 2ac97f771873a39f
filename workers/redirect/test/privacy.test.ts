import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { DAY_MS, MIN_EXPIRY_AHEAD_MS, saltKey, sha256Hex, startOfUtcDay, toHex, utcDate } from "@qr3/core";
import { expect, it, vi } from "vitest";
import { describeAtClocks } from "../../../test/clocks.ts";
import { handleRedirect } from "../src/redirect.ts";
import { OWN_ORIGIN, putLink, recordingEnv } from "./helpers.ts";

const IP = "198.51.100.23";

async function scanAt(ms: number, ip = IP, shortCode = "privacy1", testEnv = recordingEnv()) {
  vi.setSystemTime(ms);
  const ctx = createExecutionContext();
  await handleRedirect(new Request(`${OWN_ORIGIN}/${shortCode}`, { headers: { "cf-connecting-ip": ip } }), testEnv.env, ctx);
  await waitOnExecutionContext(ctx);
  return testEnv.sent[0]!.ip_hash!;
}

/** Hex HMAC-SHA256 through Web Crypto: an implementation apart from the worker's. */
async function hmacHex(key: string, message: string): Promise<string> {
  const encoder = new TextEncoder();
  const cryptoKey = await crypto.subtle.importKey("raw", encoder.encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toHex(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message)));
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

  it("gives one visitor unrelated hashes in different workspaces, and one hash across a workspace's codes", async () => {
    const [a, b, c] = [await putLink("privacy2"), await putLink("privacy3"), await putLink("privacy4")];
    expect(new Set([a.workspace_id, b.workspace_id, c.workspace_id]).size).toBe(3);
    await putLink("privacy5", { workspace_id: a.workspace_id });
    const hashes = [await scanAt(now, IP, "privacy2"), await scanAt(now, IP, "privacy3"), await scanAt(now, IP, "privacy4")];
    expect(new Set(hashes).size).toBe(3);
    expect(await scanAt(now, IP, "privacy5")).toBe(hashes[0]);
    // And each workspace's hash changes with the day.
    expect(await scanAt(dayEnd + 1000, IP, "privacy2")).not.toBe(hashes[0]);
  });

  it("keeps each day's salt in KV only until its day ends, never more than 48 hours", async () => {
    await putLink("privacy1");
    // Written afresh now: this isolate is made to hold another day's salt first, and another
    // clock's block may have written this day's at another time.
    const day = utcDate(now);
    await scanAt(dayEnd + 1000);
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
    const link = await putLink("privacy1");
    const at = dayEnd + 4 * DAY_MS + 12 * 3600_000;
    const day = utcDate(at);
    const hash = await scanAt(at);
    for (const guess of [IP, `${IP}${day}`, `${day}${IP}`, `${IP}salt:${day}`, `${IP}${link.workspace_id}`]) {
      expect(await sha256Hex(guess)).not.toBe(hash);
    }
    // It is the SHA-256 of the IP and the workspace's salt of that day: the HMAC-SHA256 of the
    // workspace id keyed with the day's random salt, which only KV holds.
    const salt = await env.SALTS.get(`salt:${day}`);
    expect(salt).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(await sha256Hex(IP + (await hmacHex(salt!, link.workspace_id))));
    // The day's salt alone, the same for every workspace, is not what hashes the IP.
    expect(await sha256Hex(IP + salt)).not.toBe(hash);
  });
});
