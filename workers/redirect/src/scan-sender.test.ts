import { describe, expect, it } from "vitest";
import type { ScanMessage, ScanPack } from "@qr3/schema";
import type { Scan } from "./scan-message.ts";
import { sendScan } from "./scan-sender.ts";

/** A queue whose first `failures` sends fail (all of them with `Infinity`). */
function recorder(failures = 0) {
  const batches: string[][] = [];
  let attempts = 0;
  const queue = {
    async send(pack: ScanPack) {
      if (++attempts <= failures) throw new Error("queue unavailable");
      batches.push(pack.scans.map((m) => m.scan_id));
    },
  } as unknown as Queue;
  return { queue, batches, attempts: () => attempts };
}

// A scan stands for itself here: its "message" is its id.
const scan = (i: number) => ({ id: `scn_${i}`, now: i }) as Scan;
const build = async (scans: Scan[]) => scans.map((s) => ({ scan_id: s.id }) as ScanMessage);

describe("sendScan", () => {
  it("sends a full batch of 100 from the request that filled it, the rest from the opener's timer", async () => {
    const { queue, batches } = recorder();
    const returned = Array.from({ length: 250 }, (_, i) => sendScan(queue, scan(i), 100, build));
    const senders = returned.flatMap((send, i) => (send ? [i] : []));
    // Openers of the three batches (0, 100, 200) and the fillers of the first two (99, 199).
    expect(senders).toEqual([0, 99, 100, 199, 200]);
    await Promise.all([returned[99]!.done, returned[199]!.done]);
    // The full batches left at once, before any timer.
    expect(batches.map((b) => b.length)).toEqual([100, 100]);
    expect(batches[0]![0]).toBe("scn_0");
    expect(batches[1]![99]).toBe("scn_199");
    await Promise.all(returned.map((send) => send?.done));
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    // The opener of a batch that filled up answers for nothing; the filler for all of it.
    expect(returned[0]!.scans).toHaveLength(0);
    expect(returned[99]!.scans).toHaveLength(100);
    expect(returned[200]!.scans).toHaveLength(50);

    await sendScan(queue, scan(251), 100, build)!.done;
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50, 1]);
  });

  it("tries a failed send again with the same messages", async () => {
    const { queue, batches, attempts } = recorder(2);
    const send = sendScan(queue, scan(1), 10, build)!;
    await send.done;
    expect(attempts()).toBe(3);
    expect(batches).toEqual([["scn_1"]]);
  });

  it("lets the request that sends a batch see its failure, with every scan of the batch", async () => {
    const { queue, attempts } = recorder(Infinity);
    const send = sendScan(queue, scan(1), 100, build)!;
    expect(sendScan(queue, scan(2), 100, build)).toBeNull();
    await expect(send.done).rejects.toThrow("queue unavailable");
    expect(attempts()).toBe(3);
    expect(send.scans).toHaveLength(2);
    expect(send.scans.map((s) => s.id)).toEqual(["scn_1", "scn_2"]);

    const full = Array.from({ length: 100 }, (_, i) => sendScan(queue, scan(i), 100, build));
    await expect(full[99]!.done).rejects.toThrow("queue unavailable");
    expect(full[99]!.scans).toHaveLength(100);
    await full[0]!.done; // its batch was sent by the filler: nothing left to fail
  });

  it("tries building the messages again (the day's salt is read there), then reports the failure as the send's", async () => {
    const { queue, batches } = recorder();
    let builds = 0;
    const failing = async () => {
      builds++;
      throw new Error("salt unavailable");
    };
    const send = sendScan(queue, scan(1), 10, failing)!;
    await expect(send.done).rejects.toThrow("salt unavailable");
    expect(builds).toBe(3);
    expect(send.scans).toHaveLength(1);
    expect(batches).toHaveLength(0);

    let flaky = 0;
    await sendScan(queue, scan(2), 10, async (scans) => (++flaky === 1 ? failing() : build(scans)))!.done;
    expect(batches).toEqual([["scn_2"]]);
  });

  it("sends a batch before one more scan could take its pack past 120 KB", async () => {
    const { queue, batches } = recorder();
    // Scans with a destination, user agent and referer at their limits, in non-ASCII text: up to
    // about 31 KB each as JSON, so a fourth could take a pack of three past 120 KB.
    const large = (i: number) =>
      ({ ...scan(i), redirectedTo: "ü".repeat(2048), userAgent: "ü".repeat(1024), referer: "ü".repeat(2048) }) as unknown as Scan;
    const returned = Array.from({ length: 14 }, (_, i) => sendScan(queue, large(i), 100, build));
    await Promise.all(returned.map((send) => send?.done));
    expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 3, 2]);
    // Every scan once, in order.
    expect(batches.flat()).toEqual(Array.from({ length: 14 }, (_, i) => `scn_${i}`));
  });
});
