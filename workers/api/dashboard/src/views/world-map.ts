// The countries of the top list on a world map. The map's code and outlines (a projection
// library and the world's borders, far larger than the rest of the dashboard) load only once the
// map comes into view, as a chunk of their own, so the first load stays small.
import { h } from "../dom.ts";
import type { TopEntry } from "@qr3/schema/api";
import { DIMENSIONS } from "@qr3/schema/dimensions";

type Draw = typeof import("./world-map-draw.ts");

export function worldMap(signal: AbortSignal): { el: HTMLElement; update(countries: TopEntry[]): void } {
  const box = h("div", { class: "world-map" });
  const status = h("p", { class: "muted small" }, "The map loads when it comes into view.");
  const el = h(
    "section",
    { class: "world-map-section", "aria-label": "World map" },
    h("h3", null, "World map"),
    box,
    status,
    h("p", { class: "hint" }, `The ${DIMENSIONS.country.limit} countries with the most scans are shaded, darker for more.`),
  );
  let draw: Draw | null = null;
  let latest: TopEntry[] = [];

  const observer = new IntersectionObserver((seen) => {
    if (!seen.some((e) => e.isIntersecting)) return;
    observer.disconnect();
    status.textContent = "Loading the map…";
    import("./world-map-draw.ts")
      .then((module) => {
        if (signal.aborted) return;
        draw = module;
        status.hidden = true;
        draw.drawWorld(box, latest);
      })
      .catch(() => {
        status.textContent = "The map could not be loaded. Reload the page to try again.";
      });
  });
  observer.observe(el);
  signal.addEventListener("abort", () => observer.disconnect(), { once: true });

  return {
    el,
    update(countries) {
      latest = countries;
      draw?.drawWorld(box, countries);
    },
  };
}
