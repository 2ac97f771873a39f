import { describe, expect, it } from "vitest";
import type { ScanMessage } from "@qr3/schema";
import { sendScan } from "./scan-sender.ts";

function recorder(fail = false) {
  const batches: string[][] = [];
  const queue = {
    async sendBatch(messages: Array<{ body: ScanMessage }>) {
      if (fail) throw new Error("queue unavailable");
      batches.push(messages.map((m) => m.body.scan_id));
    },
  } as unknown as Queue;
  return { queue, batches };
}

const message = (i: number) => ({ scan_id: `scn_${i}` }) as unknown as ScanMessage;

describe("sendScan", () => {
  it("sends a full batch of 100 from the request that filled it, the rest from the opener's timer", async () => {
    const { queue, batches } = recorder();
    const returned = Array.from({ length: 250 }, (_, i) => sendScan(queue, message(i), 100));
    const senders = returned.flatMap((send, i) => (send ? [i] : []));
    // Openers of the three batches (0, 100, 200) and the fillers of the first two (99, 199).
    expect(senders).toEqual([0, 99, 100, 199, 200]);
    // The full batches leave at once, before any timer.
    await Promise.resolve();
    expect(batches.map((b) => b.length)).toEqual([100, 100]);
    expect(batches[0]![0]).toBe("scn_0");
    expect(batches[1]![99]).toBe("scn_199");
    await Promise.all(returned.map((send) => send?.done));
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(returned[199]!.messages).toHaveLength(100);

    await sendScan(queue, message(251), 100)!.done;
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50, 1]);
  });

  it("lets the request that sends a batch see its failure, with every message of the batch", async () => {
    const { queue } = recorder(true);
    const send = sendScan(queue, message(1), 100)!;
    expect(sendScan(queue, message(2), 100)).toBeNull();
    await expect(send.done).rejects.toThrow("queue unavailable");
    expect(send.messages.map((m) => m.scan_id)).toEqual(["scn_1", "scn_2"]);

    const full = Array.from({ length: 100 }, (_, i) => sendScan(queue, message(i), 100));
    await expect(full[99]!.done).rejects.toThrow("queue unavailable");
    expect(full[99]!.messages).toHaveLength(100);
    await full[0]!.done; // its batch was sent by the filler: nothing left to fail
  });
});
