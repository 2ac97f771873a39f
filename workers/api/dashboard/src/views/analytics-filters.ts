// Filters of the analytics: which filter a top list's entry sets, and the active filters as
// chips, each removable.
import { h, fill } from "../dom.ts";
import type { Filters } from "../analytics-query.ts";
import { DIMENSIONS, DIMENSION_NAMES, type Dimension } from "@qr3/schema/dimensions";
import { FILTER_DIMENSIONS, type FilterDimension } from "@qr3/schema/api/limits";
import type { TopListField } from "@qr3/schema/api";

/** The filter a top list's entries set: each list counts by one dimension, filtered by its name. */
export const FILTER_OF_LIST = Object.fromEntries(
  DIMENSION_NAMES.filter((d): d is Dimension & FilterDimension => (FILTER_DIMENSIONS as readonly string[]).includes(d)).map((d) => [DIMENSIONS[d].field, d]),
) as Partial<Record<TopListField, FilterDimension>>;

/** How a filter reads on its chip. */
const FILTER_WORDS: Record<FilterDimension, string> = {
  country: "Country",
  region: "Region",
  city: "City",
  device_type: "Device",
  os: "OS",
  browser: "Browser",
  language: "Language",
  referer: "Referrer",
  destination: "Destination",
};

/** `filters` plus one value; the same filters when it is already among them. */
export function withFilter(filters: Filters, dim: FilterDimension, value: string): Filters {
  const values = filters[dim] ?? [];
  return values.includes(value) ? filters : { ...filters, [dim]: [...values, value] };
}

/** `filters` less one value (less the whole filter when it was its last). */
export function withoutFilter(filters: Filters, dim: FilterDimension, value: string): Filters {
  const rest = (filters[dim] ?? []).filter((v) => v !== value);
  const next: Filters = { ...filters };
  if (rest.length) next[dim] = rest;
  else delete next[dim];
  return next;
}

/** The chips of the active filters; hidden when there are none. */
export function filterChips(onChange: (filters: Filters) => void): { el: HTMLElement; set(filters: Filters): void } {
  const list = h("ul", { class: "chips filter-chips", "aria-label": "Active filters" });
  const clear = h("button", { type: "button", class: "secondary small" }, "Clear filters");
  const el = h("div", { class: "filters", hidden: true }, h("span", { class: "muted small" }, "Only scans with:"), list, clear);
  let current: Filters = {};
  clear.addEventListener("click", () => onChange({}));
  return {
    el,
    set(filters) {
      current = filters;
      const chips = FILTER_DIMENSIONS.flatMap((dim) =>
        (filters[dim] ?? []).map((value) =>
          h(
            "li",
            { class: "chip filter-chip" },
            h("span", null, `${FILTER_WORDS[dim]}: ${value}`),
            h("button", { type: "button", class: "chip-remove", "aria-label": `Remove filter ${FILTER_WORDS[dim]}: ${value}`, onclick: () => onChange(withoutFilter(current, dim, value)) }, "×"),
          ),
        ),
      );
      fill(list, chips);
      el.hidden = chips.length === 0;
    },
  };
}
