// Draws the world map (see world-map.ts, which loads this module when the map is shown): Natural
// Earth's 1:110m borders from world-atlas, projected with d3-geo's Equal Earth projection (true
// areas, so no country looks bigger than its share of the world) into one SVG path per country.
import { geoEqualEarth, geoPath } from "d3-geo";
import { feature } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import type { Feature, Geometry } from "geojson";
import { whereNumeric } from "iso-3166-1";
import countries110m from "world-atlas/countries-110m.json";
import { formatNumber } from "../dom.ts";
import type { TopEntry } from "@qr3/schema/api";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 960;
const HEIGHT = 470;
// world-atlas names countries by ISO 3166-1 numeric code; the API by alpha-2. Kosovo has no ISO
// code, so the atlas gives it none, but Cloudflare reports it as XK.
const ALPHA2_BY_NAME: Record<string, string> = { Kosovo: "XK" };

interface Country {
  alpha2: string | null;
  name: string;
  path: string;
}

let shapes: Country[] | null = null;

/** Every country's outline as an SVG path, projected once. */
function countryShapes(): Country[] {
  if (shapes) return shapes;
  const topology = countries110m as unknown as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  const collection = feature(topology, topology.objects.countries);
  const projection = geoEqualEarth().fitSize([WIDTH, HEIGHT], collection);
  const path = geoPath(projection);
  shapes = collection.features.map((f: Feature<Geometry, { name: string }>) => {
    const name = f.properties.name;
    const alpha2 = f.id !== undefined ? (whereNumeric(String(f.id))?.alpha2 ?? null) : (ALPHA2_BY_NAME[name] ?? null);
    return { alpha2, name, path: path(f) ?? "" };
  });
  return shapes;
}

/** Draws the map into `box`, each country of `entries` shaded by its share of the first. */
export function drawWorld(box: HTMLElement, entries: TopEntry[]): void {
  const counts = new Map(entries.filter((e) => e.value !== null).map((e) => [e.value!, e.count]));
  const max = Math.max(1, ...counts.values());
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute("role", "img");
  const shown = entries.filter((e) => e.value !== null).map((e) => `${e.value} ${formatNumber(e.count)}`);
  svg.setAttribute("aria-label", shown.length ? `World map of scans by country: ${shown.join(", ")}` : "World map of scans by country: none recorded");
  for (const country of countryShapes()) {
    const count = (country.alpha2 && counts.get(country.alpha2)) || 0;
    const shape = document.createElementNS(SVG, "path");
    shape.setAttribute("d", country.path);
    shape.setAttribute("class", count > 0 ? "country hot" : "country");
    if (country.alpha2) shape.setAttribute("data-country", country.alpha2);
    if (count > 0) shape.setAttribute("data-count", String(count));
    // A custom property, not a style attribute: the page's policy allows no inline styles.
    shape.style.setProperty("--heat", (count / max).toFixed(3));
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${country.name}${country.alpha2 ? ` (${country.alpha2})` : ""}: ${formatNumber(count)} ${count === 1 ? "scan" : "scans"}`;
    shape.append(title);
    svg.append(shape);
  }
  box.replaceChildren(svg);
}
