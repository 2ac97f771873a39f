// The A/B split of a code's redirect settings: 2 to 10 destinations with weights (percent) that
// sum to 100, used for the scans no rule matches. None at all is fine too.
import { RULE_LIMITS } from "@qr3/schema/rule-facts";
import type { Code } from "@qr3/schema/api";
import { h, newId } from "../dom.ts";

type Variant = Code["variants"][number];
const { min: MIN, max: MAX } = RULE_LIMITS.variants;

interface Row {
  el: HTMLLIElement;
  url: HTMLInputElement;
  weight: HTMLInputElement;
  urlLabel: HTMLLabelElement;
  weightLabel: HTMLLabelElement;
  remove: HTMLButtonElement;
}

export function variantsEditor(variants: readonly Variant[]) {
  const list = h("ol", { class: "variant-list" });
  const sum = h("p", { class: "variant-sum", role: "status" });
  const add = h("button", { type: "button", class: "secondary" }, "Add variant");
  let rows: Row[] = [];

  const total = () => rows.reduce((n, r) => n + (Number(r.weight.value) || 0), 0);
  const update = () => {
    const n = total();
    if (rows.length === 0) sum.textContent = "No A/B split.";
    else if (rows.length < MIN) sum.textContent = `Add at least ${MIN} variants, or remove this one.`;
    else sum.textContent = n === 100 ? "Weights: 100% in all." : `Weights: ${n}% in all; they must sum to 100%.`;
    sum.classList.toggle("invalid", rows.length > 0 && (rows.length < MIN || n !== 100));
  };
  const layout = () => {
    list.replaceChildren(...rows.map((r) => r.el));
    rows.forEach((r, i) => {
      r.urlLabel.textContent = `Variant ${i + 1} URL`;
      r.weightLabel.textContent = `Variant ${i + 1} weight (%)`;
      r.remove.setAttribute("aria-label", `Remove variant ${i + 1}`);
    });
    add.disabled = rows.length >= MAX;
    update();
  };
  const row = (variant: Variant | null): Row => {
    const url = h("input", { type: "url", id: newId("f"), value: variant?.url ?? "", autocomplete: "off", spellcheck: "false", placeholder: "https://" });
    const weight = h("input", { type: "number", id: newId("f"), min: 1, max: 100, step: 1, inputmode: "numeric", value: variant?.weight ?? "" });
    const urlLabel = h("label", { for: url.id });
    const weightLabel = h("label", { for: weight.id });
    const remove = h("button", { type: "button", class: "danger small-button" }, "Remove");
    const r: Row = {
      el: h("li", { class: "variant" }, h("div", { class: "field" }, urlLabel, url), h("div", { class: "field weight" }, weightLabel, weight), remove),
      url,
      weight,
      urlLabel,
      weightLabel,
      remove,
    };
    weight.addEventListener("input", update);
    remove.addEventListener("click", () => {
      const at = rows.indexOf(r);
      rows = rows.filter((x) => x !== r);
      layout();
      (rows[Math.min(at, rows.length - 1)]?.remove ?? add).focus();
    });
    return r;
  };
  rows = variants.map(row);
  add.addEventListener("click", () => {
    const r = row(null);
    rows.push(r);
    layout();
    r.url.focus();
  });
  layout();

  return {
    el: h(
      "div",
      { class: "stack" },
      h("p", { class: "hint" }, `Splits the scans no rule matches between ${MIN} to ${MAX} destinations, by weight. A visitor gets the same variant all day.`),
      list,
      sum,
      h("div", { class: "actions" }, add),
    ),
    read(): { ok: true; variants: Variant[] } | { ok: false; message: string; input: HTMLElement } {
      if (rows.length === 0) return { ok: true, variants: [] };
      for (const [i, r] of rows.entries()) {
        if (r.url.value.trim() === "") return { ok: false, message: `Variant ${i + 1}: enter a URL.`, input: r.url };
        const w = Number(r.weight.value);
        if (!Number.isInteger(w) || w < 1 || w > 100) return { ok: false, message: `Variant ${i + 1}: the weight must be a whole number from 1 to 100.`, input: r.weight };
      }
      if (rows.length < MIN) return { ok: false, message: `An A/B split needs at least ${MIN} variants; remove the last one to have none.`, input: add };
      if (total() !== 100) return { ok: false, message: `The variants' weights sum to ${total()}%; they must sum to 100%.`, input: rows[0]!.weight };
      return { ok: true, variants: rows.map((r) => ({ url: r.url.value.trim(), weight: Number(r.weight.value) })) };
    },
    inputOf(index: number, part: string): HTMLElement | null {
      const r = rows[index];
      return r ? (part === "weight" ? r.weight : r.url) : null;
    },
  };
}
