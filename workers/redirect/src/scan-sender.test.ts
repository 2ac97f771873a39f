import { describe, expect, it } from "vitest";
import type { ScanMessage } from "@qr3/schema";
import { sendScan } from "./scan-sender.ts";

function recorder(fail = false) {
  const batches: number[] = [];
  const queue = {
    async sendBatch(messages: unknown[]) {
      if (fail) throw new Error("queue unavailable");
      batches.push(messages.length);
    },
  } as unknown as Queue;
  return { queue, batches };
}

const message = (i: number) => ({ scan_id: `scn_${i}` }) as unknown as ScanMessage;

describe("sendScan", () => {
  it("sends what accumulates as batches of at most 100, resolving each caller once its batch is sent", async () => {
    const { queue, batches } = recorder();
    await Promise.all(Array.from({ length: 250 }, (_, i) => sendScan(queue, message(i))));
    expect(batches).toEqual([100, 100, 50]);
    await sendScan(queue, message(251));
    expect(batches).toEqual([100, 100, 50, 1]);
  });

  it("rejects every caller of a batch whose send failed", async () => {
    const { queue } = recorder(true);
    const results = await Promise.allSettled([sendScan(queue, message(1)), sendScan(queue, message(2))]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });
});
