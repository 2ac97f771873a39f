// Branded domains through the API: what a hostname may be, one workspace holding it active,
// codes on a domain (short codes unique per domain, addressed hostname/short_code in the directory
// and KV), removal refused while codes use it, and another workspace's domain a 404. Verification
// over DNS-over-HTTPS, against a real local resolver, is tested over the local stack (e2e).
import { env } from "cloudflare:workers";
import { linkKey } from "@qr3/core";
import { API_LIMITS } from "@qr3/schema/api";
import { beforeEach, describe, expect, it } from "vitest";
import { call, callWithEnv, seedKey, type Json } from "./helpers.ts";

let key: string;
beforeEach(async () => {
  ({ key } = await seedKey());
});

const unique = () => `go${crypto.randomUUID().slice(0, 8)}.example.com`;
const addDomain = (hostname: string, as = key) => call("/v1/domains", { method: "POST", key: as, body: { hostname } });
/** What a verification leaves: the domain active (the lookup itself is the e2e tests'). */
const activate = (id: string) => env.CONTROL.prepare("UPDATE domains SET status = 'active', verified_at = ?2 WHERE id = ?1").bind(id, new Date().toISOString()).run();
async function activeDomain(as = key) {
  const hostname = unique();
  const res = await addDomain(hostname, as);
  expect(res.status).toBe(201);
  await activate(res.json.data.id);
  return { id: res.json.data.id as string, hostname };
}
const createCode = (body: Record<string, unknown>, as = key) => call("/v1/codes", { method: "POST", key: as, body: { url: "https://example.com/", ...body } });
const record = async (address: string) => JSON.parse((await env.LINKS.get(linkKey(address))) ?? "null");

describe("POST /v1/domains", () => {
  it("adds a pending domain, normalised, with the TXT record that verifies it", async () => {
    const hostname = unique();
    const res = await addDomain(`  ${hostname.toUpperCase()}. `);
    expect(res.status).toBe(201);
    const domain = res.json.data;
    expect(domain).toMatchObject({ hostname, status: "pending", verified_at: null, verification: { type: "TXT", name: `_qr3-verify.${hostname}` } });
    expect(domain.id).toMatch(/^dom_/);
    expect(domain.verification.value).toMatch(/^qr3-verify=[A-Za-z0-9]{32}$/);
    expect((await call(`/v1/domains/${domain.id}`, { key })).json.data).toEqual(domain);
    expect((await call("/v1/domains", { key })).json.data).toEqual([domain]);
  });

  it.each([
    ["", "hostname: must not be empty"],
    ["localhost", "hostname: must be a valid DNS name such as go.example.com"],
    ["app.localhost", "hostname: must not be localhost"],
    ["192.168.1.1", "hostname: must be a DNS name, not an IP address"],
    ["[::1]", "hostname: must be a DNS name, not an IP address"],
    ["go.example.com:8080", "hostname: must be a DNS name, not an IP address"],
    ["https://go.example.com", "hostname: must be a DNS name, not an IP address"],
    ["go..example.com", "hostname: must be a valid DNS name such as go.example.com"],
    ["-go.example.com", "hostname: must be a valid DNS name such as go.example.com"],
    ["go_menu.example.com", "hostname: must be a valid DNS name such as go.example.com"],
    ["example.123", "hostname: must be a valid DNS name such as go.example.com"],
    [`${"a".repeat(64)}.example.com`, "hostname: must be a valid DNS name such as go.example.com"],
    ["qr3.app", "hostname: is our own domain"],
    ["go.qr3.app", "hostname: is our own domain"],
  ])("refuses %j: 400 %s", async (hostname, message) => {
    // Our own domain is that of the printed links.
    const res = await callWithEnv({ PUBLIC_BASE_URL: "https://qr3.app" }, "/v1/domains", { method: "POST", key, body: { hostname } });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe(message);
  });

  it("refuses a hostname the workspace already added, and more domains than the limit", async () => {
    const hostname = unique();
    expect((await addDomain(hostname)).status).toBe(201);
    const again = await addDomain(hostname);
    expect(again.status).toBe(409);
    expect(again.json.error.message).toBe("hostname: is already added to this workspace");
    for (let i = 1; i < API_LIMITS.domains.max; i++) expect((await addDomain(unique())).status).toBe(201);
    const over = await addDomain(unique());
    expect(over.status).toBe(409);
    expect(over.json.error.message).toBe(`hostname: the workspace already has ${API_LIMITS.domains.max} domains, the most it may have`);
  });

  it("lets several workspaces add a hostname, but only one hold it active", async () => {
    const hostname = unique();
    const other = await seedKey("pro", "Other", 1);
    const mine = (await addDomain(hostname)).json.data;
    const theirs = (await addDomain(hostname, other.key)).json.data;
    expect(theirs.verification.value).not.toBe(mine.verification.value);
    await activate(mine.id);
    await expect(activate(theirs.id)).rejects.toThrow(/UNIQUE/);
  });
});

describe("codes on a branded domain", () => {
  it("creates a code on an active domain: short_url on the domain, KV record at hostname/short_code", async () => {
    const { hostname } = await activeDomain();
    const res = await createCode({ domain: hostname, short_code: "menu" });
    expect(res.status).toBe(201);
    const code = res.json.data;
    expect(code).toMatchObject({ short_code: "menu", domain: hostname, short_url: `https://${hostname}/menu` });
    expect(await record(`${hostname}/menu`)).toMatchObject({ code_id: code.id, url: "https://example.com/" });
    expect((await call(`/v1/codes/${code.id}`, { key })).json.data).toEqual(code);
  });

  it("keeps short codes unique per domain: the same short code on our domain and on two others", async () => {
    const a = await activeDomain();
    const other = await seedKey("pro", "Other", 1);
    const b = await activeDomain(other.key);
    const shortCode = `m${crypto.randomUUID().slice(0, 8)}`;
    const own = await createCode({ short_code: shortCode });
    const onA = await createCode({ short_code: shortCode, domain: a.hostname });
    const onB = await createCode({ short_code: shortCode, domain: b.hostname }, other.key);
    expect([own.status, onA.status, onB.status]).toEqual([201, 201, 201]);
    expect(new Set([own.json.data.id, onA.json.data.id, onB.json.data.id]).size).toBe(3);
    expect(await record(shortCode)).toMatchObject({ code_id: own.json.data.id });
    expect(await record(`${a.hostname}/${shortCode}`)).toMatchObject({ code_id: onA.json.data.id });
    expect(await record(`${b.hostname}/${shortCode}`)).toMatchObject({ code_id: onB.json.data.id });
    const again = await createCode({ short_code: shortCode, domain: a.hostname });
    expect(again.status).toBe(409);
    expect(again.json.error.message).toBe(`short_code: is already taken on ${a.hostname}`);
  });

  it("refuses a pending domain, another workspace's domain and an unknown one: 400 naming domain", async () => {
    const pending = (await addDomain(unique())).json.data.hostname;
    const other = await seedKey("pro", "Other", 1);
    const theirs = await activeDomain(other.key);
    for (const domain of [pending, theirs.hostname, unique()]) {
      const res = await createCode({ domain });
      expect(res.status).toBe(400);
      expect(res.json.error.message).toMatch(/^domain: is not an active domain of this workspace/);
    }
    const bulk = await call("/v1/codes/bulk", { method: "POST", key, body: { codes: [{ url: "https://example.com/" }, { url: "https://example.com/", domain: theirs.hostname }] } });
    expect(bulk.status).toBe(400);
    expect(bulk.json.error.details).toEqual([{ index: 1, field: "domain", message: expect.stringMatching(/^is not an active domain/) }]);
  });

  it("creates codes in bulk on a domain", async () => {
    const { hostname } = await activeDomain();
    const res = await call("/v1/codes/bulk", { method: "POST", key, body: { codes: [{ url: "https://example.com/1", domain: hostname, short_code: "one" }, { url: "https://example.com/2", domain: hostname }] } });
    expect(res.status).toBe(201);
    expect(res.json.data.map((c: Json) => c.domain)).toEqual([hostname, hostname]);
    expect(res.json.data[0].short_url).toBe(`https://${hostname}/one`);
    expect(await record(`${hostname}/one`)).toMatchObject({ code_id: res.json.data[0].id });
  });
});

describe("DELETE /v1/domains/:id", () => {
  it("is refused while a code is on the domain, and removes it once none is", async () => {
    const { id, hostname } = await activeDomain();
    const code = (await createCode({ domain: hostname })).json.data;
    const refused = await call(`/v1/domains/${id}`, { method: "DELETE", key });
    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toBe("id: codes are on this domain: delete them first");
    expect((await call(`/v1/codes/${code.id}`, { method: "DELETE", key })).status).toBe(204);
    expect((await call(`/v1/domains/${id}`, { method: "DELETE", key })).status).toBe(204);
    expect((await call(`/v1/domains/${id}`, { key })).status).toBe(404);
    const res = await createCode({ domain: hostname });
    expect(res.status).toBe(400);
  });

  it("is not held up by another workspace's codes on a hostname it also added", async () => {
    const hostname = unique();
    const other = await seedKey("pro", "Other", 1);
    const theirs = (await addDomain(hostname, other.key)).json.data;
    await activate(theirs.id);
    expect((await createCode({ domain: hostname }, other.key)).status).toBe(201);
    const mine = (await addDomain(hostname)).json.data;
    expect((await call(`/v1/domains/${mine.id}`, { method: "DELETE", key })).status).toBe(204);
  });
});

describe("workspace isolation of domains", () => {
  it("answers 404 for another workspace's domain, to every operation", async () => {
    const other = await seedKey("pro", "Other", 1);
    const theirs = (await addDomain(unique(), other.key)).json.data;
    for (const [method, path] of [
      ["GET", `/v1/domains/${theirs.id}`],
      ["POST", `/v1/domains/${theirs.id}/verify`],
      ["DELETE", `/v1/domains/${theirs.id}`],
    ] as const) {
      const res = await call(path, { method, key });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json.error.message).toBe("Domain not found");
    }
    expect((await call("/v1/domains", { key })).json.data).toEqual([]);
    expect((await call(`/v1/domains/${theirs.id}`, { key: other.key })).status).toBe(200);
  });

  it("answers 404 for another workspace's tag: its codes are never listed nor changed", async () => {
    const other = await seedKey("pro", "Other", 1);
    await createCode({ tags: ["secret-tag"] }, other.key);
    expect((await call("/v1/codes?tag=secret-tag", { key })).json.data).toEqual([]);
    expect((await call("/v1/tags", { key })).json.data).toEqual([]);
    const res = await call("/v1/codes/bulk-update", { method: "POST", key, body: { tag: "secret-tag", set: { status: "disabled" } } });
    expect(res.json.data).toEqual({ updated: 0 });
  });
});
