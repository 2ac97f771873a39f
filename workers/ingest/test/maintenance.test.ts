import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { DAY_MS, saltKey, utcDate } from "@qr3/core";
import { expect, it } from "vitest";
import { describeAtClocks } from "../../../test/clocks.ts";
import worker from "../src/index.ts";

describeAtClocks("daily cron", ({ now }) => {
  it("writes tomorrow's salt ahead of time, and today's if missing, without replacing either", async () => {
    const [today, tomorrow] = [saltKey(utcDate(now)), saltKey(utcDate(now + DAY_MS))];
    await env.SALTS.put(today, "f".repeat(64));
    await env.SALTS.delete(tomorrow);
    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "5 0 * * *" }), env);
    expect(await env.SALTS.get(today)).toBe("f".repeat(64));
    const written = await env.SALTS.get(tomorrow);
    expect(written).toMatch(/^[0-9a-f]{64}$/);
    const { keys } = await env.SALTS.list({ prefix: tomorrow });
    expect(keys[0]!.expiration! * 1000).toBe(Date.parse(`${utcDate(now + DAY_MS)}T00:00:00.000Z`) + DAY_MS);

    await worker.scheduled(createScheduledController({ scheduledTime: now + 60_000, cron: "5 0 * * *" }), env);
    expect(await env.SALTS.get(tomorrow)).toBe(written);
  });

  it("writes today's salt when the run finds it missing", async () => {
    const today = saltKey(utcDate(now));
    await env.SALTS.delete(today);
    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "5 0 * * *" }), env);
    expect(await env.SALTS.get(today)).toMatch(/^[0-9a-f]{64}$/);
  });
});
