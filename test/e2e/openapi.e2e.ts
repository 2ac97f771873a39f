// The API's OpenAPI document as the running stack serves it: valid by the specification's own
// schema and by a linter, every operation it lists served, a client generated from it working,
// and its reference page rendering under the dashboard's Content-Security-Policy.
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createConfig, lintFromString } from "@redocly/openapi-core";
import { Validator } from "@seriousme/openapi-schema-validator";
import openapiTS, { astToString } from "openapi-typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../../scripts/lib/stack.ts";
import { launchChromium } from "./browser.ts";
import { checkedApi } from "./contract.ts";
import { startTestStack } from "./helpers.ts";

const run = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;

let stack: Stack;
let cleanup: () => Promise<void>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let doc: any;

beforeAll(async () => {
  ({ stack, cleanup } = await startTestStack());
  const res = await fetch(`${stack.origin}/v1/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  doc = await res.json();
});

afterAll(async () => {
  await cleanup?.();
});

describe("the OpenAPI document", () => {
  it("is served without a key, as OpenAPI 3.1", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: stack.origin }]);
  });

  it("is valid by the OpenAPI 3.1 specification's schema", async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("passes Redocly's recommended lint rules without a warning", async () => {
    // info-license: qr3's API is not published under a license to name.
    const config = await createConfig({ extends: ["recommended"], rules: { "info-license": "off" } });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: `${stack.origin}/v1/openapi.json`, config });
    expect(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
  });

  it("lists no operation the API does not serve", async () => {
    const api = checkedApi(stack.origin);
    for (const [template, item] of Object.entries<Record<string, unknown>>(doc.paths)) {
      for (const method of Object.keys(item)) {
        // Ids that exist nowhere: every operation answers (a 404 of its resource, or its answer), none is an unknown route.
        const path = template.replace(/\{(\w+)\}/g, "qr_00000000000000000000000000");
        const res = await api(`${stack.origin}${path}`, { method: method.toUpperCase(), headers: { authorization: `Bearer ${stack.demo.api_key}` } });
        const body = await res.text();
        expect(body, `${method} ${template}`).not.toContain("Route not found");
      }
    }
  });
});

describe("a client generated from the document", () => {
  it("lists the demo codes, typed (openapi-typescript and openapi-fetch, as the README shows)", async () => {
    // A directory of its own, whose node_modules is the project's: the example finds openapi-fetch.
    const dir = mkdtempSync(join(tmpdir(), "qr3-client-"));
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    try {
      writeFileSync(join(dir, "qr3.ts"), astToString(await openapiTS(new URL(`${stack.origin}/v1/openapi.json`))));
      copyFileSync(join(ROOT, "docs/client/list-codes.ts"), join(dir, "list-codes.ts"));
      // The generated types and the example agree: it compiles under strict TypeScript.
      await run(join(ROOT, "node_modules/.bin/tsc"), [
        "--pretty", "false",
        "--noEmit", "--strict", "--skipLibCheck", "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext",
        "--allowImportingTsExtensions", "--types", "node", "--typeRoots", join(ROOT, "node_modules/@types"), join(dir, "list-codes.ts"),
      ]);
      const { stdout } = await run(process.execPath, [join(dir, "list-codes.ts")], {
        env: { ...process.env, QR3_URL: stack.origin, QR3_KEY: stack.demo.api_key },
      });
      expect(stdout).toContain(`${stack.demo.short_code}\t`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the API reference page", () => {
  it("renders every operation of the document under the dashboard's Content-Security-Policy", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("pageerror", (err) => problems.push(String(err)));
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(message.text());
      });
      await page.addInitScript(
        'document.addEventListener("securitypolicyviolation", (e) => console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI))',
      );
      const res = await page.goto(`${stack.origin}/reference/`);
      expect(res!.headers()["content-security-policy"]).toContain("default-src 'self'");
      for (const [template, item] of Object.entries<Record<string, { summary: string }>>(doc.paths)) {
        for (const operation of Object.values(item)) {
          await page.locator(".opblock-summary", { hasText: operation.summary }).first().waitFor({ timeout: 15_000 });
        }
        expect(template).toMatch(/^\/v1\//);
      }
      // An operation opens with its parameters and responses.
      await page.locator(".opblock-summary", { hasText: "List codes" }).first().click();
      await page.locator(".parameter__name", { hasText: "cursor" }).first().waitFor();
      expect(problems).toEqual([]);
      // Every page of the dashboard links to it.
      await page.goto(`${stack.origin}/`);
      expect(await page.getByRole("link", { name: "API reference" }).getAttribute("href")).toBe("/reference/");
    } finally {
      await browser.close();
    }
  });
});
