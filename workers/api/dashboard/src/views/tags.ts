// A code's tags on the page: as chips, and as the comma-separated text of a field.
import { h } from "../dom.ts";

/** The tags as chips; nothing for none. */
export function tagChips(tags: readonly string[]): HTMLElement | null {
  if (tags.length === 0) return null;
  return h("ul", { class: "chips", "aria-label": "Tags" }, ...tags.map((tag) => h("li", { class: "chip" }, tag)));
}

/** "Menu, spring," as the API takes it: ["Menu", "spring"]. The API trims and lower-cases them. */
export const parseTags = (text: string): string[] =>
  text
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
