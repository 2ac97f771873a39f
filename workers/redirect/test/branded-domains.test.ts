import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { newId } from "@qr3/core";
import { describe, expect, it } from "vitest";
import { handleRedirect } from "../src/redirect.ts";
import { OWN_ORIGIN, putLink, recordingEnv } from "./helpers.ts";

// A code on a branded domain is stored under `code:<hostname>/<short_code>` and found by the
// request's host and path, with one KV read, as a code on our own domain is by its path alone.
const BRANDED = "go.example.com";

async function scan(url: string, init: RequestInit<IncomingRequestCfProperties> = {}, vars: Partial<Env> = {}) {
  const recorded = recordingEnv();
  const ctx = createExecutionContext();
  const response = await handleRedirect(new Request(url, init), { ...recorded.env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return { response, ...recorded };
}

describe("branded domains", () => {
  it("redirect a branded code on its own host only, with one KV read each", async () => {
    const link = await putLink("menu01", { url: "https://example.com/menu" }, BRANDED);

    const branded = await scan(`https://${BRANDED}/menu01`);
    expect(branded.response.status).toBe(302);
    expect(branded.response.headers.get("location")).toBe("https://example.com/menu");
    expect(branded.kvReads).toEqual([`code:${BRANDED}/menu01`]);
    expect(branded.sent.map((m) => m.code_id)).toEqual([link.code_id]);

    for (const [url, key] of [
      [`${OWN_ORIGIN}/menu01`, "code:menu01"],
      ["https://other.example.net/menu01", "code:other.example.net/menu01"],
      ["https://www.go.example.com/menu01", "code:www.go.example.com/menu01"],
    ] as const) {
      const other = await scan(url);
      expect(other.response.status, url).toBe(404);
      expect(other.kvReads).toEqual([key]);
      expect(other.sent).toEqual([]);
    }
  });

  it("send one short code on our own host and on each branded host to that host's record", async () => {
    const own = await putLink("spring", { url: "https://example.com/own" });
    const go = await putLink("spring", { url: "https://example.com/go" }, BRANDED);
    const shop = await putLink("spring", { url: "https://example.com/shop" }, "qr.shop.example");

    for (const [url, link] of [
      [`${OWN_ORIGIN}/spring`, own],
      [`https://${BRANDED}/spring`, go],
      ["https://qr.shop.example/spring", shop],
    ] as const) {
      const { response, sent } = await scan(url);
      expect(response.headers.get("location"), url).toBe(link.url);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ code_id: link.code_id, workspace_id: link.workspace_id, redirected_to: link.url });
    }
  });

  it("answer 404 on a host that holds no codes, as for an unknown code, and record nothing", async () => {
    const response = await exports.default.fetch("https://unknown.example.org/menu01", { redirect: "manual" });
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("Link not found");

    const { kvReads, sent } = await scan("https://unknown.example.org/menu01");
    expect(kvReads).toEqual(["code:unknown.example.org/menu01"]);
    expect(sent).toEqual([]);
  });

  it("never fall back to our own domain's record", async () => {
    await putLink("ownonly", { url: "https://example.com/own-only" });
    expect((await scan(`${OWN_ORIGIN}/ownonly`)).response.status).toBe(302);

    const { response, kvReads, sent } = await scan(`https://${BRANDED}/ownonly`);
    expect(response.status).toBe(404);
    expect(kvReads).toEqual([`code:${BRANDED}/ownonly`]);
    expect(sent).toEqual([]);
  });

  it("find a code whatever the case of the Host and with a port; the short code keeps its case", async () => {
    const link = await putLink("CaseCd", { url: "https://example.com/case" }, BRANDED);
    for (const url of ["https://GO.Example.COM/CaseCd", `https://${BRANDED}:8443/CaseCd`]) {
      const { response, kvReads } = await scan(url);
      expect(response.headers.get("location"), url).toBe(link.url);
      expect(kvReads).toEqual([`code:${BRANDED}/CaseCd`]);
    }
    // Through the entry point too, as a link typed in upper case reaches it.
    const viaFetch = await exports.default.fetch("https://GO.EXAMPLE.COM/CaseCd", { redirect: "manual" });
    expect(viaFetch.headers.get("location")).toBe(link.url);

    const { response, kvReads } = await scan(`https://${BRANDED}/casecd`);
    expect(response.status).toBe(404);
    expect(kvReads).toEqual([`code:${BRANDED}/casecd`]);
  });

  it("treat localhost and IP literals as our own host, for local development", async () => {
    const link = await putLink("local1", { url: "https://example.com/local" });
    for (const url of ["http://localhost:8787/local1", "http://127.0.0.1:8787/local1", "http://[::1]:8787/local1"]) {
      const { response, kvReads } = await scan(url);
      expect(response.headers.get("location"), url).toBe(link.url);
      expect(kvReads).toEqual(["code:local1"]);
    }
  });

  it("carry the branded record's code, workspace and shard in the scan message", async () => {
    const link = await putLink("scan01", { code_id: newId("qr"), workspace_id: newId("ws"), url: "https://example.com/scan", shard: 3 }, BRANDED);
    const { response, sent } = await scan(`https://${BRANDED}/scan01`, { headers: { "cf-connecting-ip": "203.0.113.20", "user-agent": "Mozilla/5.0" } });
    expect(response.status).toBe(302);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      code_id: link.code_id,
      workspace_id: link.workspace_id,
      redirected_to: "https://example.com/scan",
      shard: 3,
      ip_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it("cache each host's record apart, so a cached own code does not answer for a branded host", async () => {
    const own = await putLink("cached1", { url: "https://example.com/own" });
    const go = await putLink("cached1", { url: "https://example.com/go" }, BRANDED);
    const cache = { LINK_CACHE_SECONDS: "30" };

    const first = await scan(`${OWN_ORIGIN}/cached1`, {}, cache);
    expect(first.response.headers.get("location")).toBe(own.url);
    const branded = await scan(`https://${BRANDED}/cached1`, {}, cache);
    expect(branded.response.headers.get("location")).toBe(go.url);
    expect(branded.kvReads).toEqual([`code:${BRANDED}/cached1`]);

    // Both are cached now: neither is read again.
    const again = await Promise.all([scan(`${OWN_ORIGIN}/cached1`, {}, cache), scan(`https://${BRANDED}/cached1`, {}, cache)]);
    expect(again.map((a) => a.response.headers.get("location"))).toEqual([own.url, go.url]);
    expect(again.flatMap((a) => a.kvReads)).toEqual([]);
  });

  it("read the own-host setting from the worker's config", () => {
    expect(env.PRIMARY_HOST).toBe("qr3.app");
  });
});
