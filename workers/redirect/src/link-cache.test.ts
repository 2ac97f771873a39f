import { newId } from "@qr3/core";
import { describe, expect, it } from "vitest";
import { cachedLink, readLink } from "./link-cache.ts";

/** A KV whose every read answers `text`, counting the reads. */
function countingKv(text: string | null) {
  let reads = 0;
  const kv = {
    async get() {
      reads++;
      return text;
    },
  } as unknown as KVNamespace;
  return { kv, reads: () => reads };
}

const record = { code_id: newId("qr"), workspace_id: newId("ws"), url: "https://example.com/", status: "active", shard: 2 };
const link = { code_id: record.code_id, workspace_id: record.workspace_id, location: record.url, redirected_to: record.url, shard: 2, rules: null };

describe("link cache", () => {
  it("keeps a record read from KV, checked, for the cache's lifetime", async () => {
    const { kv, reads } = countingKv(JSON.stringify(record));
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
    const { kv, reads } = countingKv(JSON.stringify(record));
    await readLink(kv, "cache3", 0, 1000);
    await readLink(kv, "cache3", 0, 1000);
    expect(cachedLink("cache3", 1000)).toBeUndefined();
    expect(reads()).toBe(2);
  });

  it("keeps one short code on two domains as two entries", async () => {
    const own = countingKv(JSON.stringify(record));
    const branded = countingKv(null);
    await readLink(own.kv, "cache4", 5, 1000);
    await readLink(branded.kv, "go.example.com/cache4", 5, 1000);
    expect(cachedLink("cache4", 1001)).toEqual(link);
    expect(cachedLink("go.example.com/cache4", 1001)).toBeNull();
    expect(cachedLink("other.example.com/cache4", 1001)).toBeUndefined();
  });
});
