import { can } from "../access.ts";
import { getJson } from "../api.ts";
import { showError } from "../alerts.ts";
import { fill, formatDate, formatNumber, h, setTitle } from "../dom.ts";
import type { Envelope, Workspace } from "@qr3/schema/api";
import { workspaceAnalytics } from "./analytics.ts";
import { auditLog } from "./audit.ts";

const retentionText = (days: number) => `Scans are kept for ${formatNumber(days)} ${days === 1 ? "day" : "days"}.`;

/** The workspace of the key: name, plan, usage and retention, the scans of all its codes, and its audit log. */
export function workspaceView(main: HTMLElement, signal: AbortSignal): void {
  setTitle("Workspace");
  const details = h("div", { class: "card" }, h("p", { class: "muted" }, "Loading…"));
  const history = auditLog({ signal });
  // The analytics are for a key that may read them.
  main.replaceChildren(h("h1", { tabindex: -1 }, "Workspace"), details, ...(can("analytics:read") ? [workspaceAnalytics(signal)] : []), history.element);

  getJson<Envelope<Workspace>>("/v1/workspaces/current", { signal })
    .then(({ data }) => {
      const item = (term: string, ...value: Array<Node | string>) => h("div", { class: "fact" }, h("dt", null, term), h("dd", null, ...value));
      fill(
        details,
        h(
          "dl",
          { class: "facts" },
          item("Name", data.name),
          item("Plan", h("span", { class: "plan" }, data.plan)),
          item("Scans this month", formatNumber(data.scans_this_month)),
          item("Retention", retentionText(data.retention_days)),
          item("Workspace ID", h("code", null, data.id)),
          item("Created", formatDate(data.created_at)),
        ),
        h(
          "p",
          { class: "hint" },
          "The monthly count covers every scan of every code since the first of the month (UTC). Scans older than the retention are deleted each night; the counts stay.",
        ),
      );
    })
    .catch((err) => {
      if (signal.aborted) return;
      fill(details, h("p", null, "The workspace could not be loaded."));
      showError(err);
    });
}
