// A campaign: the codes carrying one tag, their scans together (GET /v1/tags/:tag/scans), the
// way to the list of those codes, and their QR images as one ZIP.
import { can } from "../access.ts";
import { h, setTitle } from "../dom.ts";
import { href } from "../nav.ts";
import { tagAnalytics } from "./analytics.ts";
import { tagZipDownload } from "./qr-downloads.ts";

export function campaignView(main: HTMLElement, signal: AbortSignal, tag: string): void {
  setTitle(`Campaign ${tag}`);
  main.replaceChildren(
    h("p", { class: "back" }, h("a", { href: href.tags }, "← All tags")),
    h("h1", { tabindex: -1 }, "Campaign ", h("span", { class: "chip" }, tag)),
    h("p", null, "Every code now carrying this tag, together. ", h("a", { href: href.codesTagged(tag) }, "The codes with this tag")),
    h(
      "section",
      { class: "card", "aria-labelledby": "zip-heading" },
      h("h2", { id: "zip-heading" }, "QR codes"),
      h("p", null, "Every code with this tag as a print-ready image, in one ZIP for a print shop."),
      tagZipDownload(() => tag, signal),
    ),
    can("analytics:read") ? tagAnalytics(tag, signal) : h("p", { class: "muted" }, "The API key you signed in with may not read analytics (the “analytics:read” scope)."),
  );
}
