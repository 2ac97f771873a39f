// A code's redirect settings: rules, schedule and fallback, scan cap, A/B variants, UTM tags and
// query forwarding, saved together (PATCH of the routing fields only); and "Test a scan".
import { withQuery } from "@qr3/core/destination";
import { RULE_LIMITS, UTM_FIELDS, type UtmField } from "@qr3/schema/rule-facts";
import type { Code, Envelope } from "@qr3/schema/api";
import { can } from "../access.ts";
import { ApiError, enc, send } from "../api.ts";
import { describe, showError, showNotice } from "../alerts.ts";
import { busy, field, fill, formatNumber, h, newId, plural, time } from "../dom.ts";
import { instantOfWallTime, wallTimeIn } from "../timezones.ts";
import { rulesEditor, zoneSelect } from "./routing-rules.ts";
import { scanTester } from "./routing-test.ts";
import { variantsEditor } from "./routing-variants.ts";

type Failure = { ok: false; message: string; input: HTMLElement };

/** A datetime-local input of an ISO time in a zone; reads back the same ISO time while unchanged. */
function instantInput(name: string, iso: string | null, zone: () => string) {
  const input = h("input", { type: "datetime-local", name });
  let shown = "";
  let kept = iso;
  const show = () => {
    shown = kept ? wallTimeIn(zone(), Date.parse(kept)) : "";
    input.value = shown;
  };
  show();
  return {
    input,
    /** The ISO time, null when empty, undefined when it is no time. */
    read(): string | null | undefined {
      if (input.value === "") return null;
      if (input.value === shown && kept) return kept;
      const at = instantOfWallTime(zone(), input.value);
      return Number.isNaN(at) ? undefined : new Date(at).toISOString();
    },
    /** Before the zone changes: keeps the instant shown, to show it again in the new zone. */
    hold() {
      const read = this.read();
      kept = read ?? null;
    },
    show,
  };
}

/** The API's "rules[1].when.country[0]: must be ..." as "Rule 2, countries: must be ...". */
const PART_WORDS: Record<string, string> = {
  url: "destination URL",
  weight: "weight",
  "when.country": "countries",
  "when.device_type": "device types",
  "when.os": "operating systems",
  "when.language": "languages",
  "when.weekday": "weekdays",
  "when.time": "hours",
  "when.tz": "time zone",
  when: "conditions",
};
const FIELD_WORDS: Record<string, string> = {
  starts_at: "start",
  expires_at: "expiry",
  fallback_url: "fallback URL",
  max_scans: "scan cap",
  rules: "rules",
  variants: "variants",
  forward_query: "query forwarding",
  utm: "UTM tags",
  ...Object.fromEntries(UTM_FIELDS.map((f) => [`utm.${f}`, `utm_${f} value`])),
};
function listError(message: string): { list: "rules" | "variants"; index: number; part: string; text: string } | null {
  const m = /^(rules|variants)\[(\d+)\]\.?([a-z_.]*)(?:\[\d+\])?[^:]*: (.+)$/s.exec(message);
  if (!m) return null;
  const [, list, index, part = "", problem = ""] = m;
  const what = list === "rules" ? "Rule" : "Variant";
  const words = PART_WORDS[part] ?? PART_WORDS[part.split(".").slice(0, 2).join(".")] ?? part.replace(/[_.]/g, " ");
  return { list: list as "rules" | "variants", index: Number(index), part, text: `${what} ${Number(index) + 1}${words ? `, ${words}` : ""}: ${problem}` };
}

export function routingSection(initial: Code, signal: AbortSignal, changed: (code: Code) => void): HTMLElement[] {
  const card = h("section", { class: "card routing", "aria-labelledby": "routing-heading" });
  const writable = can("codes:write");

  function build(code: Code): void {
    const rules = rulesEditor(code.rules);
    const variants = variantsEditor(code.variants);

    // Schedule and fallback.
    const zone = zoneSelect("schedule_tz", undefined);
    const starts = instantInput("starts_at", code.starts_at, () => zone.value);
    const expires = instantInput("expires_at", code.expires_at, () => zone.value);
    zone.addEventListener("focus", () => [starts, expires].forEach((i) => i.hold()));
    zone.addEventListener("change", () => [starts, expires].forEach((i) => i.show()));
    const fallback = h("input", { type: "url", name: "fallback_url", value: code.fallback_url ?? "", autocomplete: "off", spellcheck: "false", placeholder: "https://" });

    // Scan cap.
    const cap = h("input", { type: "number", name: "max_scans", min: 1, step: 1, inputmode: "numeric", value: code.max_scans ?? "" });
    const capNote = h(
      "p",
      { class: "hint" },
      `${plural(code.total_scans, "scan", "scans")} counted so far (people, not bots). `,
      code.scan_cap_reached_at ? ["The cap was reached ", time(code.scan_cap_reached_at), ": scans go to the fallback."] : code.max_scans ? "The cap is not reached." : "",
    );

    // UTM tags and the query string.
    const utm = new Map<UtmField, HTMLInputElement>(
      UTM_FIELDS.map((f) => [f, h("input", { type: "text", name: `utm_${f}`, value: code.utm?.[f] ?? "", autocomplete: "off", spellcheck: "false", maxlength: RULE_LIMITS.utm_value })]),
    );
    const forward = h("input", { type: "checkbox", name: "forward_query", id: newId("f"), checked: code.forward_query });
    const finalUrl = h("output", { class: "final-url mono wrap", "aria-live": "polite" });
    const readUtm = () => {
      const tags: Partial<Record<UtmField, string>> = {};
      for (const [f, input] of utm) if (input.value.trim()) tags[f] = input.value.trim();
      return Object.keys(tags).length > 0 ? tags : null;
    };
    const showFinal = () => {
      try {
        finalUrl.textContent = withQuery(code.url, { utm: readUtm() ?? undefined }, "");
      } catch {
        finalUrl.textContent = code.url;
      }
    };
    for (const input of utm.values()) input.addEventListener("input", showFinal);
    showFinal();

    const error = h("p", { class: "form-error", id: newId("err"), hidden: true, role: "alert" });
    const save = h("button", { type: "submit" }, "Save redirect settings");
    const form = h(
      "form",
      { class: "stack", novalidate: true, "aria-describedby": error.id },
      h("h3", null, "Rules"),
      rules.el,
      h("h3", null, "Schedule"),
      h(
        "div",
        { class: "rule-grid" },
        field("Starts", starts.input, "Empty: active from now on."),
        field("Expires", expires.input, "Empty: never."),
        field("Zone of the schedule", zone),
        field("Fallback URL", fallback, "Before the start, after the expiry and past the scan cap; empty: a 410 “not available” page."),
      ),
      h("h3", null, "Scan cap"),
      field("Scan cap", cap, "Empty: no cap. Once the code has counted this many scans, scans go to the fallback."),
      capNote,
      h("h3", null, "A/B variants"),
      variants.el,
      h("h3", null, "UTM tags and query string"),
      h("div", { class: "utm-grid" }, [...utm].map(([f, input]) => field(`utm_${f}`, input))),
      h("div", { class: "final" }, h("span", { class: "strong" }, "Final URL of the destination: "), finalUrl),
      h("div", { class: "check" }, forward, h("label", { for: forward.id }, "Forward the scanned link's query string to the destination")),
      error,
      writable ? h("div", { class: "actions" }, save) : null,
    );
    // A key that may only read sees the settings, and cannot change what it could not save.
    if (!writable) for (const control of form.querySelectorAll<HTMLInputElement>("input, select, textarea, button")) control.disabled = true;

    let invalid: HTMLElement | null = null;
    const showProblem = (message: string, input: HTMLElement | null) => {
      invalid?.removeAttribute("aria-invalid");
      invalid = input;
      input?.setAttribute("aria-invalid", "true");
      error.textContent = message;
      error.hidden = false;
      input?.focus();
    };
    const clearProblem = () => {
      invalid?.removeAttribute("aria-invalid");
      invalid = null;
      error.textContent = "";
      error.hidden = true;
    };

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearProblem();
      const readRules = rules.read();
      if (!readRules.ok) return showProblem(readRules.message, readRules.input);
      const readVariants = variants.read();
      if (!readVariants.ok) return showProblem(readVariants.message, readVariants.input);
      const startsAt = starts.read();
      const expiresAt = expires.read();
      if (startsAt === undefined) return showProblem("Enter a whole date and time for the start, or none.", starts.input);
      if (expiresAt === undefined) return showProblem("Enter a whole date and time for the expiry, or none.", expires.input);
      const maxScans = cap.value.trim() === "" ? null : Number(cap.value);
      if (maxScans !== null && !(Number.isInteger(maxScans) && maxScans >= 1)) return showProblem("The scan cap must be a whole number of at least 1, or empty.", cap);
      const body = {
        starts_at: startsAt,
        expires_at: expiresAt,
        fallback_url: fallback.value.trim() || null,
        max_scans: maxScans,
        rules: readRules.rules,
        variants: readVariants.variants,
        forward_query: forward.checked,
        utm: readUtm(),
      };
      void busy(save, async () => {
        try {
          const { data } = await send<Envelope<Code>>("PATCH", `/v1/codes/${enc(code.id)}`, body, { signal, fields: FIELD_WORDS });
          build(data);
          showNotice(`Redirect settings of ${data.short_code} saved.`);
          changed(data);
        } catch (err) {
          if (signal.aborted) return;
          showError(err);
          const inList = err instanceof ApiError ? listError(err.message) : null;
          const at = err instanceof ApiError ? err.field?.split(".")[0] : undefined;
          const input = inList
            ? (inList.list === "rules" ? rules : variants).inputOf(inList.index, inList.part)
            : ({ starts_at: starts.input, expires_at: expires.input, fallback_url: fallback, max_scans: cap, utm: [...utm.values()][0] } as Record<string, HTMLElement>)[at ?? ""] ?? null;
          showProblem(inList ? `${inList.text.replace(/\.?$/, ".")}` : describe(err), input);
        }
      });
    });

    fill(
      card,
      h("h2", { id: "routing-heading" }, "Redirect rules"),
      h("p", { class: "hint" }, "Send scans to other destinations by country, device, language or time; schedule the code, cap its scans, split them A/B and tag them. Scans that no setting sends elsewhere go to ", h("span", { class: "wrap" }, code.url), "."),
      h("p", { class: "muted small" }, `${formatNumber(code.rules.length)} of ${RULE_LIMITS.rules} rules in use.`),
      form,
    );
  }

  build(initial);
  return [card, scanTester(initial, signal)];
}
