import { describe, expect, it } from "vitest";
import { getLink } from "./link-cache.ts";

function countingKv(value: unknown) {
  let reads = 0;
  const kv = {
    async get() {
      reads++;
      return value;
    },
  } as unknown as KVNamespace;
  return { kv, reads: () => reads };
}

describe("getLink", () => {
  it("reuses a record for the cache's lifetime, then reads KV again", async () => {
    const link = { code_id: "qr_1", workspace_id: "ws_1", url: "https://example.com", status: "active" };
    const { kv, reads } = countingKv(link);
    expect(await getLink(kv, "cache1", 5, 1000)).toEqual(link);
    expect(await getLink(kv, "cache1", 5, 5999)).toEqual(link);
    expect(reads()).toBe(1);
    await getLink(kv, "cache1", 5, 6000);
    expect(reads()).toBe(2);
  });

  it("reads KV every time when the cache is off", async () => {
    const { kv, reads } = countingKv(null);
    await getLink(kv, "cache2", 0, 1000);
    await getLink(kv, "cache2", 0, 1000);
    expect(reads()).toBe(2);
  });
});
