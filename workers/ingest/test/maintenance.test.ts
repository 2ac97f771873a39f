import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index.ts";

describe("daily cron", () => {
  it("writes tomorrow's salt ahead of time, and today's if missing, without replacing either", async () => {
    const scheduledTime = Date.parse("2031-03-04T00:05:00.000Z");
    await env.SALTS.put("salt:2031-03-04", "f".repeat(64));
    await worker.scheduled(createScheduledController({ scheduledTime, cron: "5 0 * * *" }), env);
    expect(await env.SALTS.get("salt:2031-03-04")).toBe("f".repeat(64));
    const tomorrow = await env.SALTS.get("salt:2031-03-05");
    expect(tomorrow).toMatch(/^[0-9a-f]{64}$/);

    await worker.scheduled(createScheduledController({ scheduledTime: scheduledTime + 3600_000, cron: "5 0 * * *" }), env);
    expect(await env.SALTS.get("salt:2031-03-05")).toBe(tomorrow);
  });
});
