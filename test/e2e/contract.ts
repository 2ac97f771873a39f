import type { Page } from "playwright-core";
import { checkedFetch, ContractChecker } from "../openapi/check.ts";

// The end-to-end suite checks every answer of the API it receives against the OpenAPI document
// the running stack serves (test/openapi/check.ts): through `checkedApi` from Node, and through
// `watchPageAnswers` for every call the dashboard makes in the browser.

const documentUrl = (origin: string) => `${origin}/v1/openapi.json`;

/** fetch, with every answer checked against the stack's document. */
export const checkedApi = (origin: string) => checkedFetch((url, init) => fetch(url, init), documentUrl(origin));

/**
 * Checks every answer to an API call the page makes; the returned list collects what did not
 * match (a test expects it empty at the end).
 */
export function watchPageAnswers(page: Page, origin: string): string[] {
  const problems: string[] = [];
  let checker: Promise<ContractChecker> | null = null;
  page.on("response", async (response) => {
    const url = new URL(response.url());
    if (url.origin !== origin || !url.pathname.startsWith("/v1/")) return;
    checker ??= fetch(documentUrl(origin)).then(async (r) => new ContractChecker(await r.json()));
    const request = response.request();
    let body = "";
    try {
      body = request.method() === "HEAD" ? "" : (await response.body()).toString("utf8");
    } catch {
      return; // a download the page saved, or a page closed meanwhile: nothing to read
    }
    const headers = new Headers(Object.entries(await response.allHeaders()));
    problems.push(...(await checker).problems({ method: request.method(), url: url.pathname + url.search, status: response.status(), headers, body }));
  });
  return problems;
}
