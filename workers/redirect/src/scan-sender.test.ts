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
  it("sends what accumulates as batches of at most 100, handing each batch to the caller that opened it", async () => {
    const { queue, batches } = recorder();
    const returned = Array.from({ length: 250 }, (_, i) => sendScan(queue, message(i)));
    const opened = returned.filter((b) => b !== null);
    expect(opened).toHaveLength(3);
    expect(returned.indexOf(opened[1]!)).toBe(100);
    await Promise.all(opened.map((b) => b!.done));
    expect(batches).toEqual([100, 100, 50]);
    expect(opened.map((b) => b!.messages.length)).toEqual([100, 100, 50]);
    await sendScan(queue, message(251))!.done;
    expect(batches).toEqual([100, 100, 50, 1]);
  });

  it("lets the opener see a failed send, with every message of the batch", async () => {
    const { queue } = recorder(true);
    const batch = sendScan(queue, message(1))!;
    expect(sendScan(queue, message(2))).toBeNull();
    await expect(batch.done).rejects.toThrow("queue unavailable");
    expect(batch.messages.map((m) => m.scan_id)).toEqual(["scn_1", "scn_2"]);
  });
});
