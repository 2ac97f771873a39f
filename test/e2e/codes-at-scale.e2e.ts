// Codes a print business runs, over the real local stack: a branded domain verified against the
// local DNS-over-HTTPS server and scanned through the gateway by its Host header, codes created
// and changed in bulk and scannable within seconds, and their lifecycle events received, signed,
// by a real HTTP server.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../../scripts/lib/stack.ts";
import { apiClient, startTestStack, waitFor } from "./helpers.ts";
import { Receiver } from "./receiver.ts";

let stack: Stack;
let cleanup: () => Promise<void>;
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.start();
  ({ stack, cleanup } = await startTestStack());
});

afterAll(async () => {
  await cleanup?.();
  await receiver.stop();
});

/** A GET of the gateway with a Host header of our choosing (fetch may not set one). */
function scanAt(host: string, path: string): Promise<{ status: number; location: string | undefined }> {
  const { port } = new URL(stack.origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode!, location: res.headers.location }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("a branded domain over the local stack", () => {
  it("is verified by its TXT record, takes codes, and serves them on its host only", async () => {
    const api = apiClient(stack.origin, stack.demos[0]!.api_key);
    const hostname = `go-${crypto.randomUUID().slice(0, 6)}.example.com`;
    const domain = (await api("/v1/domains", { method: "POST", body: { hostname } })).json.data;
    expect(domain.status).toBe("pending");

    // Not yet in DNS: a 422 saying what was found.
    const early = await api(`/v1/domains/${domain.id}/verify`, { method: "POST" });
    expect(early.status).toBe(422);
    expect(early.json.error).toMatchObject({ code: "DOMAIN_NOT_VERIFIED", message: `hostname: ${domain.verification.name} has no TXT record, not "${domain.verification.value}" (DNS changes can take a few minutes to be seen)` });
    expect((await api("/v1/codes", { method: "POST", body: { url: "https://example.com/", domain: hostname } })).status).toBe(400);

    // A wrong value is named; the right one, among others, verifies it.
    stack.dns.setTxt(domain.verification.name, ["qr3-verify=someone-else"]);
    expect((await api(`/v1/domains/${domain.id}/verify`, { method: "POST" })).json.error.message).toContain('has TXT "qr3-verify=someone-else"');
    stack.dns.setTxt(domain.verification.name, ["v=spf1 -all", domain.verification.value]);
    const verified = await api(`/v1/domains/${domain.id}/verify`, { method: "POST" });
    expect(verified.status).toBe(200);
    expect(verified.json.data).toMatchObject({ status: "active", verified_at: expect.stringMatching(/Z$/) });

    // One short code on the branded domain and on ours, in two workspaces.
    const shortCode = `menu${crypto.randomUUID().slice(0, 4)}`;
    const branded = (await api("/v1/codes", { method: "POST", body: { url: "https://example.com/branded", domain: hostname, short_code: shortCode } })).json.data;
    expect(branded.short_url).toBe(`https://${hostname}/${shortCode}`);
    const other = apiClient(stack.origin, stack.demos[1]!.api_key);
    expect((await other("/v1/codes", { method: "POST", body: { url: "https://example.com/ours", short_code: shortCode } })).status).toBe(201);

    expect(await scanAt(hostname, `/${shortCode}`)).toEqual({ status: 302, location: "https://example.com/branded" });
    expect(await scanAt(hostname.toUpperCase(), `/${shortCode}`)).toEqual({ status: 302, location: "https://example.com/branded" });
    expect(await scanAt(new URL(stack.origin).host, `/${shortCode}`)).toEqual({ status: 302, location: "https://example.com/ours" });
    expect((await scanAt("unknown.example.org", `/${shortCode}`)).status).toBe(404);
    // The branded host serves codes only: the API and the dashboard are on our own domain.
    expect((await scanAt(hostname, "/v1/codes")).status).toBe(404);

    // Removal is refused while the code is on it; once it is gone, its host answers 404.
    expect((await api(`/v1/domains/${domain.id}`, { method: "DELETE" })).status).toBe(409);
    expect((await api(`/v1/codes/${branded.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/v1/domains/${domain.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await scanAt(hostname, `/${shortCode}`)).status).toBe(404);
  });
});

describe("codes in bulk over the local stack", () => {
  it("makes every code of a large bulk create scannable within seconds, and a bulk change too, with one signed event per code", async () => {
    const api = apiClient(stack.origin, stack.demos[1]!.api_key);
    const hook = (await api("/v1/webhooks", { method: "POST", body: { url: receiver.url, events: ["code.created", "code.updated", "code.deleted"] } })).json.data;
    receiver.setSecret(hook.secret);
    const tag = `batch-${crypto.randomUUID().slice(0, 6)}`;
    const n = 60; // more than a request writes to KV itself: the ingest worker writes these
    const created = await api("/v1/codes/bulk", {
      method: "POST",
      body: { codes: Array.from({ length: n }, (_, i) => ({ url: `https://example.com/store/${i}`, name: `Store ${i}`, tags: [tag] })) },
    });
    expect(created.status).toBe(201);
    const codes = created.json.data as Array<{ id: string; short_code: string; url: string }>;
    const host = new URL(stack.origin).host;
    await waitFor(() => Promise.all(codes.map((c) => scanAt(host, `/${c.short_code}`))), (all) => all.every((r) => r.status === 302));
    for (const [i, c] of codes.entries()) expect((await scanAt(host, `/${c.short_code}`)).location).toBe(`https://example.com/store/${i}`);

    const changed = await api("/v1/codes/bulk-update", { method: "POST", body: { tag, set: { url: "https://example.com/closed" } } });
    expect(changed.json.data).toEqual({ updated: n });
    await waitFor(() => Promise.all(codes.map((c) => scanAt(host, `/${c.short_code}`))), (all) => all.every((r) => r.location === "https://example.com/closed"));

    await waitFor(() => receiver.accepted().size, (size) => size >= 2 * n);
    const events = [...receiver.accepted().values()].map((r) => r.event);
    const ofType = (type: string) => events.filter((e) => e.type === type);
    expect(ofType("code.created").map((e) => e.data.id).sort()).toEqual(codes.map((c) => c.id).sort());
    expect(ofType("code.updated")).toHaveLength(n);
    const sample = ofType("code.updated")[0]!;
    expect(sample).toMatchObject({ previous_attributes: { url: expect.stringMatching(/^https:\/\/example\.com\/store\/\d+$/) } });
    // The code as GET shows it, but for the scans counted since (this test scanned it).
    const now = (await api(`/v1/codes/${sample.data.id}`)).json.data;
    expect({ ...sample.data, total_scans: now.total_scans }).toEqual(now);
    expect(receiver.rejected).toEqual([]);
  });
});
