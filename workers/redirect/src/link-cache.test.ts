import { describe, expect, it } from "vitest";
import { cachedLink, readLink } from "./link-cache.ts";

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

describe("link cache", () => {
  it("keeps a record read from KV for the cache's lifetime", async () => {
    const link = { code_id: "qr_1", workspace_id: "ws_1", url: "https://example.com", status: "active" };
    const { kv, reads } = countingKv(link);
    expect(cachedLink("cache1", 1000)).toBeUndefined();
    expect(await readLink(kv, "cache1", 5, 1000)).toEqual(link);
    expect(cachedLink("cache1", 5999)).toEqual(link);
    expect(cachedLink("cache1", 6000)).toBeUndefined();
    expect(reads()).toBe(1);
  });

  it("keeps an unknown code as null, so it is not read again at once", async () => {
    const { kv } = countingKv(null);
    await readLink(kv, "cache2", 5, 1000);
    expect(cachedLink("cache2", 1001)).toBeNull();
  });

  it("keeps nothing when the cache is off", async () => {
    const { kv, reads } = countingKv({ code_id: "qr_1" });
    await readLink(kv, "cache3", 0, 1000);
    await readLink(kv, "cache3", 0, 1000);
    expect(cachedLink("cache3", 1000)).toBeUndefined();
    expect(reads()).toBe(2);
  });
});
