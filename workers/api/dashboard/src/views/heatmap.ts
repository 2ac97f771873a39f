// Scans by local weekday and hour over the window: a table of 7 rows (Monday to Sunday) and 24
// columns, each cell's shade its share of the busiest hour. A table, so that screen readers can
// move through it by row and column; each cell's count is in its text, hidden from sight.
import { fill, formatNumber, h } from "../dom.ts";
import type { HourCount } from "@qr3/schema/api";

// ISO weekdays, as the API numbers them: 1 is Monday.
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const HOURS = Array.from({ length: 24 }, (_, hour) => hour);

export function hourHeatmap(): { el: HTMLElement; update(hours: HourCount[]): void } {
  const body = h("tbody");
  const table = h(
    "table",
    { class: "heatmap" },
    h("caption", { class: "sr-only" }, "Scans by weekday (rows) and local hour (columns)"),
    h("thead", null, h("tr", null, h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Weekday")), HOURS.map((hour) => h("th", { scope: "col" }, hour % 3 === 0 ? String(hour) : h("span", { class: "sr-only" }, String(hour)))))),
    body,
  );
  const el = h(
    "section",
    { class: "heatmap-section", "aria-label": "Scans by weekday and hour" },
    h("h3", null, "Scans by weekday and hour"),
    h("div", { class: "table-wrap" }, table),
    h("p", { class: "hint" }, "Local time of the zone chosen; darker is busier."),
  );

  return {
    el,
    update(hours) {
      // The API leaves out the hours without scans.
      const counts = new Map(hours.map((c) => [`${c.weekday}:${c.hour}`, c.count]));
      const max = Math.max(1, ...counts.values());
      fill(
        body,
        WEEKDAYS.map((name, i) =>
          h(
            "tr",
            null,
            h("th", { scope: "row" }, h("span", { "aria-hidden": "true" }, name.slice(0, 3)), h("span", { class: "sr-only" }, name)),
            HOURS.map((hour) => {
              const count = counts.get(`${i + 1}:${hour}`) ?? 0;
              const cell = h("td", { "data-count": count, title: `${name} ${hour}:00–${hour + 1}:00: ${formatNumber(count)} ${count === 1 ? "scan" : "scans"}` }, h("span", { class: "sr-only" }, formatNumber(count)));
              // A custom property, not a style attribute: the page's policy allows no inline styles.
              cell.style.setProperty("--heat", (count / max).toFixed(3));
              if (count > 0) cell.classList.add("hot");
              return cell;
            }),
          ),
        ),
      );
    },
  };
}
