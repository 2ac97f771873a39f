import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sha256Hex } from "@qr3/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { handleRedirect } from "../src/redirect.ts";
import { putLink, recordingEnv } from "./helpers.ts";

const IP = "198.51.100.23";

async function scanAt(iso: string, ip = IP, testEnv = recordingEnv()) {
  vi.setSystemTime(new Date(iso));
  const ctx = createExecutionContext();
  await handleRedirect(new Request("https://qr3.test/privacy1", { headers: { "cf-connecting-ip": ip } }), testEnv.env, ctx);
  await waitOnExecutionContext(ctx);
  return testEnv.sent[0]!.ip_hash!;
}

afterEach(() => vi.useRealTimers());

describe("IP hashing", () => {
  it("gives one IP one hash within a UTC day and another hash the next day", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    await putLink("privacy1");
    const morning = await scanAt("2031-03-04T00:00:01.000Z");
    const evening = await scanAt("2031-03-04T23:59:59.000Z");
    const nextDay = await scanAt("2031-03-05T00:00:01.000Z");
    const otherIp = await scanAt("2031-03-05T00:00:02.000Z", "198.51.100.24");
    expect(morning).toMatch(/^[0-9a-f]{64}$/);
    expect(evening).toBe(morning);
    expect(nextDay).not.toBe(morning);
    expect(otherIp).not.toBe(nextDay);
  });

  it("keeps each day's salt in KV only until its day ends, never more than 48 hours", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    await putLink("privacy1");
    await scanAt("2031-04-10T15:00:00.000Z");
    const { keys } = await env.SALTS.list({ prefix: "salt:2031-04-10" });
    expect(keys).toHaveLength(1);
    const expiresAt = keys[0]!.expiration! * 1000;
    expect(new Date(expiresAt).toISOString()).toBe("2031-04-11T00:00:00.000Z");
    expect(expiresAt - Date.parse("2031-04-10T15:00:00.000Z")).toBeLessThanOrEqual(48 * 3600_000);
  });

  it("cannot be recomputed from the IP, the date and the algorithm: the salt is a secret", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    await putLink("privacy1");
    const hash = await scanAt("2031-05-01T12:00:00.000Z");
    for (const guess of [IP, `${IP}2031-05-01`, `2031-05-01${IP}`, `${IP}salt:2031-05-01`]) {
      expect(await sha256Hex(guess)).not.toBe(hash);
    }
    // It is the SHA-256 of the IP and that day's random salt, which only KV holds.
    const salt = await env.SALTS.get("salt:2031-05-01");
    expect(salt).toMatch(/^[0-9a-f]{64}$/);
    expect(await sha256Hex(IP + salt)).toBe(hash);
  });
});
