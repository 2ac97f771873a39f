// "Test a scan": where a scan with the given country, browser, languages, time and query string
// would go under the code's saved settings (POST /v1/codes/:id/resolve), and why.
import { enc, send } from "../api.ts";
import { describe, showError } from "../alerts.ts";
import { busy, field, fill, formError, h } from "../dom.ts";
import { browserZone, instantOfWallTime } from "../timezones.ts";
import type { Code, Envelope, Resolution } from "@qr3/schema/api";

export const USER_AGENTS: ReadonlyArray<readonly [string, string]> = [
  ["iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"],
  ["Android phone", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"],
  ["iPad", "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"],
  ["Windows PC", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"],
  ["Mac", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"],
];

/** Why the scan goes where it goes, in words. */
export function reasonWords(resolution: Resolution): string {
  const { url, reason } = resolution;
  const outside = url === null ? "410 page" : "sent to the fallback";
  switch (reason.kind) {
    case "disabled":
      return "Disabled: the “this code is disabled” page";
    case "not_started":
      return `Not active yet: ${outside}`;
    case "expired":
      return `Expired: ${outside}`;
    case "capped":
      return `Scan cap reached: ${outside}`;
    case "rule":
      return `Rule ${(reason.index ?? 0) + 1} matched`;
    case "variant":
      return `Variant ${(reason.index ?? 0) + 1} (A/B split)`;
    case "default":
      return "No rule matched: the code's destination";
  }
}

export function scanTester(code: Code, signal: AbortSignal): HTMLElement {
  const country = h("input", { type: "text", name: "country", maxlength: 2, autocomplete: "off", spellcheck: "false", placeholder: "DE" });
  const preset = h(
    "select",
    { name: "preset" },
    h("option", { value: "" }, "None (no user agent)"),
    USER_AGENTS.map(([name, ua]) => h("option", { value: ua }, name)),
    h("option", { value: "custom" }, "Other (type it below)"),
  );
  const userAgent = h("input", { type: "text", name: "user_agent", autocomplete: "off", spellcheck: "false" });
  preset.addEventListener("change", () => {
    if (preset.value !== "custom") userAgent.value = preset.value;
    else userAgent.focus();
  });
  userAgent.addEventListener("input", () => {
    preset.value = USER_AGENTS.find(([, ua]) => ua === userAgent.value)?.[1] ?? (userAgent.value === "" ? "" : "custom");
  });
  const languages = h("input", { type: "text", name: "accept_language", autocomplete: "off", spellcheck: "false", placeholder: "de-AT,de;q=0.9,en;q=0.8" });
  const zone = browserZone();
  const at = h("input", { type: "datetime-local", name: "at" });
  const query = h("input", { type: "text", name: "query", autocomplete: "off", spellcheck: "false", placeholder: "?store=12" });
  const run = h("button", { type: "submit" }, "Test");
  const error = formError(country, userAgent, languages, at, query);
  const result = h("div", { class: "scan-result", role: "status" });

  const form = h(
    "form",
    { class: "stack", novalidate: true },
    h(
      "div",
      { class: "rule-grid" },
      field("Country", country, "ISO code of the visitor's country; empty: unknown."),
      field("Accept-Language", languages, "The browser's languages."),
      field("Device preset", preset),
      field("User agent", userAgent),
      field("Time", at, `In ${zone.replace(/_/g, " ")}; empty: now.`),
      field("Query string", query, "Of the scanned link, forwarded when the code forwards it."),
    ),
    error.el,
    h("div", { class: "actions" }, run),
    result,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.clear();
    const body: Record<string, string> = {};
    if (country.value.trim()) body.country = country.value.trim().toUpperCase();
    if (userAgent.value.trim()) body.user_agent = userAgent.value.trim();
    if (languages.value.trim()) body.accept_language = languages.value.trim();
    if (query.value.trim()) body.query = query.value.trim();
    if (at.value) {
      const instant = instantOfWallTime(zone, at.value);
      if (Number.isNaN(instant)) return error.show("Enter a whole date and time, or leave the time empty.", at);
      body.at = new Date(instant).toISOString();
    }
    void busy(run, async () => {
      try {
        const { data } = await send<Envelope<Resolution>>("POST", `/v1/codes/${enc(code.id)}/resolve`, body, {
          signal,
          fields: { country: "country", user_agent: "user agent", accept_language: "Accept-Language", at: "time", query: "query string" },
        });
        fill(
          result,
          h("p", { class: "scan-reason strong" }, `${reasonWords(data)}.`),
          data.url === null
            ? h("p", null, "The scan gets a page saying the code is not available.")
            : h("p", null, "Goes to ", h("a", { href: data.url, class: "wrap mono", rel: "noopener noreferrer", target: "_blank" }, data.url)),
        );
      } catch (err) {
        if (signal.aborted) return;
        showError(err);
        result.replaceChildren();
        error.show(describe(err), null);
      }
    });
  });

  return h(
    "section",
    { class: "card", "aria-labelledby": "scan-test-heading" },
    h("h2", { id: "scan-test-heading" }, "Test a scan"),
    h("p", { class: "hint" }, "Where a scan would go with the saved settings: nothing is recorded."),
    form,
  );
}
