// The D1 session of each request and the bookmark a client may send back (x-d1-bookmark).
import { describe, expect, it } from "vitest";
import { BOOKMARK_HEADER } from "../src/session.ts";
import { call, seedKey } from "./helpers.ts";

describe("x-d1-bookmark", () => {
  it("answers a write with its shard's bookmark, and a read that sends it back sees the write", async () => {
    const { key, workspace } = await seedKey("pro", "Acme", 1);
    const created = await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com/b" } });
    expect(created.status).toBe(201);
    const bookmark = created.headers.get(BOOKMARK_HEADER)!;
    expect(bookmark).toMatch(new RegExp(`^${workspace.shard}:[0-9A-Za-z-]+$`));
    const read = await call(`/v1/codes/${created.json.data.id}`, { key, headers: { [BOOKMARK_HEADER]: bookmark } });
    expect(read.status).toBe(200);
    expect(read.json.data.url).toBe("https://example.com/b");
    // The read started no earlier than the write's bookmark.
    expect(read.headers.get(BOOKMARK_HEADER)! >= bookmark).toBe(true);
  });

  it("ignores another shard's bookmark", async () => {
    const { key } = await seedKey("pro", "Acme", 2);
    const res = await call("/v1/codes", { key, headers: { [BOOKMARK_HEADER]: "3:00000000-00000001-00000000-00000000000000000000000000000000" } });
    expect(res.status).toBe(200);
    expect(res.headers.get(BOOKMARK_HEADER)).toMatch(/^2:/);
  });

  it.each(["", "abc", "1", "x:abc", "1:", "1:a b", `1:${"a".repeat(513)}`])("refuses a malformed bookmark %j with a 400 naming the header", async (value) => {
    const { key } = await seedKey("pro", "Acme", 1);
    const res = await call("/v1/codes", { key, headers: { [BOOKMARK_HEADER]: value } });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: "BAD_REQUEST" });
    expect(JSON.stringify(res.json.error)).toContain(BOOKMARK_HEADER);
  });

  it("answers a well-formed bookmark its shard never gave, never with a 500", async () => {
    const { key } = await seedKey("pro", "Acme", 1);
    const res = await call("/v1/codes", { key, headers: { [BOOKMARK_HEADER]: "1:not-a-bookmark" } });
    expect(res.status).not.toBe(500);
  });
});
