// The rule editor of a code's redirect settings: an ordered list of rules, each a destination and
// the conditions a scan must meet for it (countries, device types, operating systems, languages,
// weekdays, hours in a time zone). The first rule that matches wins.
import { COUNTRY_CODES, RULE_DEVICE_TYPES, RULE_LIMITS, RULE_OS_NAMES } from "@qr3/schema/rule-facts";
import type { Code } from "@qr3/schema/api";
import { field, h, newId } from "../dom.ts";
import { browserZone, zoneChoices } from "../timezones.ts";

type StoredRule = Code["rules"][number];
type When = StoredRule["when"];

/** What a rule's form holds, checked; or the first thing wrong with it and the input to fix. */
export type RuleRead = { ok: true; rule: StoredRule } | { ok: false; message: string; input: HTMLElement };

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;
const DEVICE_WORDS: Record<(typeof RULE_DEVICE_TYPES)[number], string> = { mobile: "Phone", tablet: "Tablet", desktop: "Desktop" };

let regionNames: Intl.DisplayNames | null | undefined;
/** "Germany" for "DE", in the browser's language; null when the browser cannot tell. */
export function countryName(code: string): string | null {
  if (regionNames === undefined) {
    try {
      regionNames = new Intl.DisplayNames(undefined, { type: "region" });
    } catch {
      regionNames = null;
    }
  }
  try {
    const name = regionNames?.of(code);
    return name && name !== code ? name : null;
  } catch {
    return null;
  }
}

/** "DE, at ; fr" → ["DE", "AT", "FR"]. */
export const splitList = (text: string) => text.split(/[\s,;]+/).filter(Boolean);

/** A zone picker: the browser's zone and common ones, plus `current` when it is another. */
export function zoneSelect(name: string, current: string | undefined): HTMLSelectElement {
  const own = browserZone();
  const zones = [...new Set([...(current ? [current] : []), ...zoneChoices()])];
  return h(
    "select",
    { name },
    zones.map((z) => h("option", { value: z, selected: z === (current ?? own) }, z === own ? `${z.replace(/_/g, " ")} (this device)` : z.replace(/_/g, " "))),
  );
}

/** Checkboxes in a fieldset; `values()` reads the ones checked, in the order offered. */
function checkGroup<T extends string | number>(legend: string, name: string, options: ReadonlyArray<readonly [T, string]>, chosen: readonly T[] | undefined) {
  const boxes = options.map(([value, label]) => {
    const box = h("input", { type: "checkbox", id: newId("f"), name, value: String(value), checked: chosen?.includes(value) ?? false });
    return { value, box, el: h("span", { class: "check" }, box, h("label", { for: box.id }, label)) };
  });
  return {
    el: h("fieldset", { class: "choice-group" }, h("legend", null, legend), h("div", { class: "choices" }, boxes.map((b) => b.el))),
    values: () => boxes.filter((b) => b.box.checked).map((b) => b.value),
    first: () => boxes[0]!.box,
  };
}

export interface RuleEditor {
  el: HTMLFieldSetElement;
  read(): RuleRead;
  /** Its place in the list (0-based) and the list's length: the legend and the buttons' names. */
  place(index: number, count: number): void;
  focus(): void;
}

function ruleEditor(rule: StoredRule | null, actions: { move(editor: RuleEditor, by: -1 | 1): void; remove(editor: RuleEditor): void }): RuleEditor {
  const when: When = rule?.when ?? {};
  const legend = h("legend");
  const url = h("input", { type: "url", name: "rule_url", value: rule?.url ?? "", autocomplete: "off", spellcheck: "false", placeholder: "https://" });
  const countries = h("input", { type: "text", name: "country", value: (when.country ?? []).join(", "), autocomplete: "off", spellcheck: "false" });
  const countryNames = h("p", { class: "hint country-names", "aria-live": "polite" });
  const showNames = () => {
    const codes = splitList(countries.value.toUpperCase());
    countryNames.textContent = codes.length === 0 ? "" : codes.map((c) => (COUNTRY_CODES.has(c) ? countryName(c) ?? c : `${c} (unknown)`)).join(", ");
  };
  countries.addEventListener("input", showNames);
  showNames();
  const devices = checkGroup("Device types", "device_type", RULE_DEVICE_TYPES.map((d) => [d, DEVICE_WORDS[d]] as const), when.device_type);
  const systems = checkGroup("Operating systems", "os", RULE_OS_NAMES.map((o) => [o, o] as const), when.os);
  const languages = h("input", { type: "text", name: "language", value: (when.language ?? []).join(", "), autocomplete: "off", spellcheck: "false" });
  const weekdays = checkGroup("Weekdays", "weekday", WEEKDAYS.map((d, i) => [i + 1, d] as const), when.weekday);
  const from = h("input", { type: "time", name: "from", value: when.time?.from ?? "" });
  const to = h("input", { type: "time", name: "to", value: when.time?.to ?? "" });
  const tz = zoneSelect("tz", when.tz);
  const up = h("button", { type: "button", class: "secondary small-button" }, "Move up");
  const down = h("button", { type: "button", class: "secondary small-button" }, "Move down");
  const remove = h("button", { type: "button", class: "danger small-button" }, "Remove");

  const el = h(
    "fieldset",
    { class: "rule" },
    legend,
    field("Destination URL", url, "Where a scan that meets every condition below goes."),
    h(
      "div",
      { class: "rule-grid" },
      h("div", { class: "field" }, field("Countries", countries, "ISO codes such as DE, AT, CH."), countryNames),
      field("Languages", languages, "The browser's language, as subtags such as de, en."),
    ),
    h("div", { class: "rule-grid" }, devices.el, systems.el),
    weekdays.el,
    h("div", { class: "rule-grid rule-time" }, field("From", from), field("To", to), field("Zone of weekdays and hours", tz)),
    h("p", { class: "hint" }, "Hours: from included, to excluded; a window such as 22:00 to 06:00 runs past midnight. Conditions left empty match every scan."),
    h("div", { class: "actions" }, up, down, remove),
  );

  const editor: RuleEditor = {
    el,
    place(index, count) {
      const n = index + 1;
      legend.textContent = `Rule ${n}`;
      up.setAttribute("aria-label", `Move rule ${n} up`);
      down.setAttribute("aria-label", `Move rule ${n} down`);
      remove.setAttribute("aria-label", `Remove rule ${n}`);
      up.disabled = index === 0;
      down.disabled = index === count - 1;
    },
    focus: () => url.focus(),
    read() {
      const name = legend.textContent ?? "The rule";
      const fail = (message: string, input: HTMLElement): RuleRead => ({ ok: false, message: `${name}: ${message}`, input });
      if (url.value.trim() === "") return fail("enter a destination URL.", url);
      const next: When = {};
      const countryList = splitList(countries.value.toUpperCase());
      const unknown = countryList.find((c) => !COUNTRY_CODES.has(c));
      if (unknown) return fail(`“${unknown}” is no ISO 3166-1 alpha-2 country code (such as DE).`, countries);
      const languageList = splitList(languages.value.toLowerCase());
      const badLanguage = languageList.find((l) => !/^[a-z]{2,3}$/.test(l));
      if (badLanguage) return fail(`“${badLanguage}” is no primary language subtag (such as de).`, languages);
      for (const [list, input] of [[countryList, countries], [languageList, languages]] as const) {
        if (list.length > RULE_LIMITS.values) return fail(`at most ${RULE_LIMITS.values} values each.`, input);
      }
      if (countryList.length > 0) next.country = [...new Set(countryList)];
      if (devices.values().length > 0) next.device_type = devices.values();
      if (systems.values().length > 0) next.os = systems.values() as When["os"];
      if (languageList.length > 0) next.language = [...new Set(languageList)];
      if (weekdays.values().length > 0) next.weekday = weekdays.values();
      if (from.value !== "" || to.value !== "") {
        if (from.value === "" || to.value === "") return fail("give both hours, from and to, or neither.", from.value === "" ? from : to);
        next.time = { from: from.value.slice(0, 5), to: to.value.slice(0, 5) };
      }
      if (Object.keys(next).length === 0) return fail("choose at least one condition.", countries);
      if (next.weekday || next.time) next.tz = tz.value;
      return { ok: true, rule: { when: next, url: url.value.trim() } };
    },
  };
  up.addEventListener("click", () => actions.move(editor, -1));
  down.addEventListener("click", () => actions.move(editor, 1));
  remove.addEventListener("click", () => actions.remove(editor));
  return editor;
}

/** The list of rules, with Add rule; `read()` gives the rules in order, or what is wrong. */
export function rulesEditor(rules: readonly StoredRule[]) {
  const list = h("div", { class: "rule-list" });
  const none = h("p", { class: "muted" }, "No rules: every scan goes to the A/B variants, or else to the destination.");
  const add = h("button", { type: "button", class: "secondary" }, "Add rule");
  let editors: RuleEditor[] = [];

  const layout = () => {
    list.replaceChildren(...editors.map((e) => e.el));
    editors.forEach((e, i) => e.place(i, editors.length));
    none.hidden = editors.length > 0;
    add.disabled = editors.length >= RULE_LIMITS.rules;
  };
  const actions = {
    move(editor: RuleEditor, by: -1 | 1) {
      const at = editors.indexOf(editor);
      const to = at + by;
      if (at < 0 || to < 0 || to >= editors.length) return;
      [editors[at], editors[to]] = [editors[to]!, editors[at]!];
      layout();
      // Keep the focus on the button pressed, now in its new place (or on its twin at an end).
      const buttons = editor.el.querySelectorAll<HTMLButtonElement>(".actions button");
      const pressed = buttons[by === -1 ? 0 : 1];
      (pressed && !pressed.disabled ? pressed : buttons[by === -1 ? 1 : 0])?.focus();
    },
    remove(editor: RuleEditor) {
      const at = editors.indexOf(editor);
      editors = editors.filter((e) => e !== editor);
      layout();
      (editors[Math.min(at, editors.length - 1)]?.el.querySelector<HTMLButtonElement>(".danger") ?? add).focus();
    },
  };
  editors = rules.map((r) => ruleEditor(r, actions));
  add.addEventListener("click", () => {
    const editor = ruleEditor(null, actions);
    editors.push(editor);
    layout();
    editor.focus();
  });
  layout();

  return {
    el: h("div", { class: "stack" }, h("p", { class: "hint" }, `At most ${RULE_LIMITS.rules} rules. The first rule whose conditions a scan meets decides where it goes.`), none, list, h("div", { class: "actions" }, add)),
    read(): { ok: true; rules: StoredRule[] } | { ok: false; message: string; input: HTMLElement } {
      const read: StoredRule[] = [];
      for (const editor of editors) {
        const one = editor.read();
        if (!one.ok) return one;
        read.push(one.rule);
      }
      return { ok: true, rules: read };
    },
    /** The input of rule `index`'s `part` ("url", "when.country", ...), for the API's errors. */
    inputOf(index: number, part: string): HTMLElement | null {
      const el = editors[index]?.el;
      if (!el) return null;
      const key = part === "url" ? "rule_url" : part.replace(/^when\./, "").split(/[.[]/)[0];
      const name = key === "time" ? "from" : key;
      return el.querySelector<HTMLElement>(`[name="${name}"]`) ?? el.querySelector<HTMLElement>("input");
    },
  };
}
