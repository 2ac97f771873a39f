// Tags: a code's tags on the page, as chips and as the comma-separated text of a field, and the
// tags page, every tag of the workspace with its codes and scans (leading to the campaign page,
// the tag's analytics).
import { getJson } from "../api.ts";
import { showError } from "../alerts.ts";
import { formatNumber, h, setTitle } from "../dom.ts";
import { href } from "../nav.ts";
import type { Envelope, TagSummary } from "@qr3/schema/api";

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

/** Every tag of the workspace, most scanned first, each leading to the codes carrying it and its scans to its analytics. */
export function tagsView(main: HTMLElement, signal: AbortSignal): void {
  setTitle("Tags");
  const tbody = h("tbody");
  const table = h(
    "table",
    { class: "stack-table tags-table" },
    h("caption", { class: "sr-only" }, "Tags, most scanned first"),
    h("thead", null, h("tr", null, h("th", { scope: "col" }, "Tag"), h("th", { scope: "col", class: "num" }, "Codes"), h("th", { scope: "col", class: "num" }, "Total scans"))),
    tbody,
  );
  const status = h("p", { class: "muted" }, "Loading tags…");
  table.hidden = true;

  main.replaceChildren(
    h("h1", { tabindex: -1 }, "Tags"),
    h("p", null, "Tags group codes: a campaign, a place, a kind of print. Give codes tags when you create or import them, or on their pages. A tag's scans lead to its analytics, all its codes together."),
    h("section", { class: "card", "aria-labelledby": "tags-heading" }, h("h2", { id: "tags-heading" }, "Tags by scans"), status, h("div", { class: "table-wrap" }, table)),
  );

  getJson<Envelope<TagSummary[]>>("/v1/tags", { signal })
    .then(({ data }) => {
      tbody.append(
        ...data.map((t) =>
          h(
            "tr",
            null,
            h("td", { "data-label": "Tag" }, h("a", { href: href.codesTagged(t.tag), class: "chip tag-link" }, t.tag)),
            h("td", { "data-label": "Codes", class: "num" }, formatNumber(t.codes)),
            h(
              "td",
              { "data-label": "Total scans", class: "num" },
              h("a", { href: href.tag(t.tag), "aria-label": `Analytics of ${t.tag}: ${formatNumber(t.total_scans)} scans` }, formatNumber(t.total_scans)),
            ),
          ),
        ),
      );
      table.hidden = data.length === 0;
      status.hidden = data.length > 0;
      status.textContent = "No tags yet.";
    })
    .catch((err) => {
      if (signal.aborted) return;
      status.textContent = "The tags could not be loaded.";
      showError(err);
    });
}
