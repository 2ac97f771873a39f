import { ROUTING_DEFAULTS } from "@qr3/schema/rule-facts";
import { DEFAULT_QR_STYLE } from "@qr3/schema/qr-style";
import { OPERATIONS } from "@qr3/schema/api";
import { describe, expect, it } from "vitest";
import { ContractChecker } from "../../../test/openapi/check.ts";
import { openApiPath } from "../src/openapi.ts";
import { apiFetch, call, seedKey } from "./helpers.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const documentOf = async (): Promise<any> => (await apiFetch("https://api.qr3.test/v1/openapi.json")).json();

describe("GET /v1/openapi.json", () => {
  it("answers without a key, from any origin, and describes exactly the operations the router serves", async () => {
    const res = await apiFetch("https://api.qr3.test/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const doc: any = await res.json();
    const documented = Object.entries<Record<string, { operationId: string }>>(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
    );
    const served = Object.entries(OPERATIONS).map(([id, op]) => `${op.method} ${openApiPath(op.path)} ${id}`);
    expect(documented.sort()).toEqual(served.sort());
  });

  it("names the scope of every operation that needs a key, and needs none for itself", async () => {
    const doc = await documentOf();
    for (const [id, op] of Object.entries(OPERATIONS)) {
      const described = doc.paths[openApiPath(op.path)][op.method.toLowerCase()];
      if (op.scope === "public") expect(described.security, id).toEqual([]);
      else expect(described["x-qr3-scope"], id).toBe(op.scope);
    }
  });
});

describe("the contract check the suites run on every answer", () => {
  const exchange = (over: Partial<Parameters<ContractChecker["problems"]>[0]>) => ({
    method: "GET",
    url: "/v1/codes/qr_00000000000000000000000000",
    status: 200,
    headers: new Headers({ "content-type": "application/json", "x-request-id": "req_1", RateLimit: '"reads";r=1;t=1', "RateLimit-Policy": '"reads";q=1;w=60' }),
    body: "",
    ...over,
  });
  const code = { id: "qr_1", short_code: "abc", short_url: "https://qr3.app/abc", domain: null, url: "https://example.com/", status: "active", name: null, tags: [], external_id: null, ...ROUTING_DEFAULTS, qr_style: DEFAULT_QR_STYLE, logo: null, scan_cap_reached_at: null, total_scans: 0, created_at: "2026-12-01T00:00:00.000Z", updated_at: "2026-12-01T00:00:00.000Z" };

  it("passes a real answer and fails each kind of mismatch", async () => {
    const checker = new ContractChecker(await documentOf());
    const ok = { data: code, meta: { request_id: "req_1" } };
    expect(checker.problems(exchange({ body: JSON.stringify(ok) }))).toEqual([]);
    const { short_url: _, ...withoutShortUrl } = code;
    expect(checker.problems(exchange({ body: JSON.stringify({ ...ok, data: withoutShortUrl }) })).join()).toMatch(/short_url/);
    expect(checker.problems(exchange({ body: JSON.stringify({ ...ok, data: { ...code, extra: 1 } }) })).join()).toMatch(/extra/);
    expect(checker.problems(exchange({ body: JSON.stringify({ ...ok, data: { ...code, status: "paused" } }) })).join()).toMatch(/status/);
    expect(checker.problems(exchange({ status: 418, body: "{}" })).join()).toMatch(/status not declared/);
    expect(checker.problems(exchange({ headers: new Headers({ "content-type": "application/json" }), body: JSON.stringify(ok) })).join()).toMatch(/x-request-id missing/);
    expect(checker.problems(exchange({ headers: new Headers({ "content-type": "text/html", "x-request-id": "r" }), body: "<p>" })).join()).toMatch(/content-type/);
    expect(checker.problems(exchange({ url: "/v1/unknown", status: 200, body: "{}" })).join()).toMatch(/not in the document/);
    const wrongCode = { error: { code: "CONFLICT", message: "x" }, meta: { request_id: "r" } };
    expect(checker.problems(exchange({ status: 404, headers: new Headers({ "content-type": "application/json", "x-request-id": "r" }), body: JSON.stringify(wrongCode) })).join()).toMatch(/code/);
  });

  it("is what call() runs: an answer of the real worker passes it", async () => {
    const { key } = await seedKey();
    const created = await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com/" } });
    expect(created.status).toBe(201);
  });
});
