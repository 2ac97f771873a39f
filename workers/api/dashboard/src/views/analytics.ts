// Scan analytics, of one code or of the whole workspace: window, time zone and bot controls,
// totals, scans per day, top lists and (for a code) exports. Refreshes itself every 10 seconds
// while the page is visible.
import { enc, getFile, getJson } from "../api.ts";
import { showError } from "../alerts.ts";
import { busy, fill, formatClock, formatNumber, h, newId, plural } from "../dom.ts";
import { saveBlob } from "../files.ts";
import { poll } from "../poll.ts";
import { browserZone, localMidnight, windowDates, zoneChoices } from "../timezones.ts";
import type { Code, Envelope, ScanStats, TopCode, TopListField, WorkspaceScanStats } from "@qr3/schema/api";
import { dayChart } from "./chart.ts";
import { DIMENSIONS, DIMENSION_NAMES, type Dimension } from "@qr3/schema/dimensions";
import { API_LIMITS } from "@qr3/schema/api/limits";

const REFRESH_MS = 10_000;
// The windows offered, up to the longest the API answers.
const WINDOWS = [7, 30, 90, API_LIMITS.stats_days.max];
// Each top list's title and what the scans it does not name are called; its field and how many
// entries the API lists at most come from the dimensions the API counts by. The API leaves
// unknown values (null) out, so when a list is shorter than its cap, the rest of the window's
// scans are exactly the unknown ones.
const TOP_LIST_WORDS: Record<Dimension, [string, string]> = {
  country: ["Countries", "Unknown"],
  device_type: ["Devices", "Unknown"],
  os: ["Operating systems", "Unknown"],
  browser: ["Browsers", "Unknown"],
  referer: ["Referrers", "Direct (no referrer)"],
  language: ["Languages", "Unknown"],
  city: ["Cities", "Unknown"],
  destination: ["Destinations", "Not recorded"],
};
const TOP_LISTS: Array<[TopListField, string, number, string]> = DIMENSION_NAMES.map((dim) => [
  DIMENSIONS[dim].field,
  TOP_LIST_WORDS[dim][0],
  DIMENSIONS[dim].limit,
  TOP_LIST_WORDS[dim][1],
]);


function labelled(label: string, control: HTMLSelectElement): HTMLDivElement {
  control.id = newId("f");
  return h("div", { class: "field" }, h("label", { for: control.id }, label), control);
}

/** A total: "3 scans" on one line, what it means below. */
function total(): { el: HTMLLIElement; set(text: string, sub: string): void } {
  const value = h("p", { class: "total-value" });
  const sub = h("p", { class: "total-sub" });
  return {
    el: h("li", { class: "total" }, value, sub),
    set(text, subText) {
      value.textContent = text;
      sub.textContent = subText;
    },
  };
}

/** What the section shows: where its figures come from, and the words around them. */
interface AnalyticsSource {
  title: string;
  /** The aggregation endpoint, without its query. */
  path: string;
  lifetime: string;
  emptyHint: Array<Node | string>;
  /** The export of a code's raw scans. */
  exportOf?: Code;
}

/** The analytics of one code. */
export function codeAnalytics(code: Code, signal: AbortSignal): HTMLElement {
  return analyticsSection(
    {
      title: "Scan analytics",
      path: `/v1/codes/${enc(code.id)}/scans`,
      lifetime: "since the code was created",
      emptyHint: ["Scan the QR code with a phone camera, or open the short link ", h("code", null, code.short_url), " in a browser. Scans show up here within seconds."],
      exportOf: code,
    },
    signal,
  );
}

/** The analytics of every code of the workspace, with its most scanned codes. */
export function workspaceAnalytics(signal: AbortSignal): HTMLElement {
  return analyticsSection(
    {
      title: "Scans across all codes",
      path: "/v1/workspaces/current/scans",
      lifetime: "all codes, since they were created",
      emptyHint: ["Scans of every code of the workspace show up here within seconds."],
    },
    signal,
  );
}

function analyticsSection(source: AnalyticsSource, signal: AbortSignal): HTMLElement {
  // Controls.
  const windowSelect = h("select", { name: "days" }, WINDOWS.map((d) => h("option", { value: d, selected: d === API_LIMITS.stats_days.default }, `Last ${d} days`)));
  const own = browserZone();
  const zoneSelect = h("select", { name: "tz" }, zoneChoices().map((z) => h("option", { value: z, selected: z === own }, z === own ? `${z.replace(/_/g, " ")} (this device)` : z.replace(/_/g, " "))));
  const bots = h("input", { type: "checkbox", name: "include_bots", id: newId("f") });
  const updated = h("p", { class: "updated muted small" }, "Loading scans…");
  const controls = h(
    "div",
    { class: "controls" },
    labelled("Window", windowSelect),
    labelled("Time zone", zoneSelect),
    h("div", { class: "check" }, bots, h("label", { for: bots.id }, "Include bots")),
    updated,
  );

  // Totals.
  const period = total();
  const unique = total();
  const botTotal = total();
  const lifetime = total();
  const totals = h("ul", { class: "totals" }, period.el, unique.el, botTotal.el, lifetime.el);

  // Empty state.
  const empty = h(
    "div",
    { class: "empty", hidden: true },
    h("p", { class: "empty-title" }, "No scans in this period yet"),
    h("p", null, ...source.emptyHint),
  );

  // Chart and its numbers as a table.
  const chartBox = h("div", { class: "chart" });
  const chart = dayChart(chartBox);
  const dayRows = h("tbody");
  const chartSection = h(
    "section",
    { class: "chart-section", "aria-label": "Scans per day" },
    h("h3", null, "Scans per day"),
    chartBox,
    // The chart's figures for screen readers: the days with scans, by local date.
    h(
      "table",
      { class: "sr-only" },
      h("caption", null, "Scans per day, days with scans only"),
      h("thead", null, h("tr", null, h("th", { scope: "col" }, "Date"), h("th", { scope: "col" }, "Scans"), h("th", { scope: "col" }, "Unique"))),
      dayRows,
    ),
  );

  // Top lists; a workspace's also ranks its codes, each a link to the code's page.
  const codesHeading = newId("top");
  const codesList = h("ol", { class: "top-list top_codes" });
  const codesNone = h("p", { class: "muted small", hidden: true }, "Nothing recorded.");
  const codesSection = h("section", { class: "top", "aria-labelledby": codesHeading, hidden: true }, h("h3", { id: codesHeading }, "Most scanned codes"), codesList, codesNone);
  const lists = new Map<TopListField, { list: HTMLOListElement; none: HTMLParagraphElement }>();
  const topGrid = h(
    "div",
    { class: "top-grid" },
    codesSection,
    TOP_LISTS.map(([fieldName, title]) => {
      const headingId = newId("top");
      const list = h("ol", { class: `top-list ${fieldName}` });
      const none = h("p", { class: "muted small", hidden: true }, "Nothing recorded.");
      lists.set(fieldName, { list, none });
      return h("section", { class: "top", "aria-labelledby": headingId }, h("h3", { id: headingId }, title), list, none);
    }),
  );

  // Exports.
  const csv = h("button", { type: "button", class: "secondary" }, "Export CSV");
  const json = h("button", { type: "button", class: "secondary" }, "Export JSON");
  const exportBox = h(
    "div",
    { class: "export" },
    h("div", { class: "actions" }, csv, json),
    h("p", { class: "hint" }, "Every scan of the window, one per row or line (JSON: one object per line), bots included and marked in the is_bot column."),
  );

  const results = h("div", { class: "results" }, chartSection, topGrid);
  const section = h(
    "section",
    { class: "card analytics", "aria-labelledby": "scans-heading" },
    h("h2", { id: "scans-heading" }, source.title),
    controls,
    totals,
    empty,
    results,
    source.exportOf ? exportBox : null,
  );

  /** A ranked entry: its name (text or a link), its count and a bar as long as its share of the first. */
  const ranked = (name: Node | string, count: number, max: number) => {
    const bar = h("span", { class: "bar", "aria-hidden": "true" });
    bar.style.width = `${Math.round((count / max) * 100)}%`;
    return h("li", null, h("span", { class: "name" }, name), " ", h("span", { class: "count" }, formatNumber(count)), bar);
  };

  function renderCodes(codes: TopCode[] | undefined): void {
    codesSection.hidden = codes === undefined;
    if (!codes) return;
    const max = Math.max(1, ...codes.map((c) => c.count));
    fill(codesList, codes.map((c) => ranked(h("a", { href: `#/codes/${enc(c.value)}` }, c.short_code), c.count, max)));
    codesList.hidden = codes.length === 0;
    codesNone.hidden = codes.length > 0;
  }

  function render(stats: ScanStats, days: number, tz: string, includeBots: boolean): void {
    period.set(plural(stats.period_scans, "scan", "scans"), `in the last ${days} days`);
    unique.set(`${formatNumber(stats.period_unique_scans)} unique`, "visitors, counted per day");
    if (includeBots) botTotal.set("Bots included", "link previews and crawlers count as scans");
    else botTotal.set(`${plural(stats.bot_scans, "bot scan", "bot scans")} excluded`, "link previews and crawlers");
    lifetime.set(`${formatNumber(stats.total_scans)} all time`, source.lifetime);
    renderCodes((stats as Partial<WorkspaceScanStats>).top_codes);

    const isEmpty = stats.period_scans === 0;
    empty.hidden = !isEmpty;
    results.hidden = isEmpty;

    // Days without scans are left out by the API: fill them with zeros.
    const byDate = new Map(stats.scans_by_day.map((d) => [d.date, d]));
    const dates = [...new Set([...windowDates(tz, days), ...byDate.keys()])].sort();
    chart.update(dates, dates.map((d) => byDate.get(d)?.count ?? 0), dates.map((d) => byDate.get(d)?.unique ?? 0));
    fill(
      dayRows,
      stats.scans_by_day.length === 0
        ? h("tr", null, h("td", { colspan: 3 }, "No scans."))
        : stats.scans_by_day.map((d) => h("tr", null, h("td", null, h("time", { datetime: d.date }, d.date)), h("td", { class: "num" }, formatNumber(d.count)), h("td", { class: "num" }, formatNumber(d.unique)))),
    );

    for (const [fieldName, , cap, unknown] of TOP_LISTS) {
      const named = stats[fieldName] ?? [];
      const rest = stats.period_scans - named.reduce((sum, e) => sum + e.count, 0);
      const entries = [...named];
      if (rest > 0) entries.push({ value: named.length < cap ? unknown : "Others and unknown", count: rest });
      const { list, none } = lists.get(fieldName)!;
      const max = Math.max(1, ...entries.map((e) => e.count));
      fill(list, entries.map((entry) => ranked(entry.value ?? unknown, entry.count, max)));
      list.hidden = entries.length === 0;
      none.hidden = entries.length > 0;
    }
  }

  // Every load gets a number; only the newest one may paint, so a slow answer for an old
  // selection never overwrites a newer one.
  let latest = 0;
  let failing = false;
  async function load(byUser: boolean): Promise<void> {
    const id = ++latest;
    const days = Number(windowSelect.value);
    const tz = zoneSelect.value;
    const includeBots = bots.checked;
    if (byUser) section.setAttribute("aria-busy", "true");
    try {
      const query = `days=${days}&tz=${enc(tz)}&include_bots=${includeBots}`;
      const { data } = await getJson<Envelope<ScanStats>>(`${source.path}?${query}`, { signal, fields: { tz: "time zone" } });
      if (id !== latest || signal.aborted) return;
      render(data, days, tz, includeBots);
      updated.textContent = `Updated ${formatClock(new Date())}`;
      failing = false;
    } catch (err) {
      if (id !== latest || signal.aborted) return;
      // A refresh that keeps failing is reported once, not every 10 seconds.
      if (byUser || !failing) showError(err);
      failing = true;
      updated.textContent = `Update failed at ${formatClock(new Date())}; trying again every 10 seconds.`;
    } finally {
      if (id === latest) section.removeAttribute("aria-busy");
    }
  }

  for (const control of [windowSelect, zoneSelect, bots]) control.addEventListener("change", () => void load(true));

  async function exportScans(code: Code, format: "csv" | "ndjson"): Promise<void> {
    const days = Number(windowSelect.value);
    const tz = zoneSelect.value;
    // The window's first local midnight, as a UTC time; the export runs to now.
    const first = windowDates(tz, days)[0]!;
    const from = new Date(localMidnight(tz, first)).toISOString();
    try {
      const file = await getFile(`/v1/codes/${enc(code.id)}/scans/export?format=${format}&from=${enc(from)}`, { signal });
      saveBlob(file.blob, file.filename ?? `qr3-scans-${code.short_code}.${format === "csv" ? "csv" : "ndjson"}`);
    } catch (err) {
      if (!signal.aborted) showError(err);
    }
  }
  const code = source.exportOf;
  if (code) {
    csv.addEventListener("click", () => void busy(csv, () => exportScans(code, "csv")));
    json.addEventListener("click", () => void busy(json, () => exportScans(code, "ndjson")));
  }

  signal.addEventListener("abort", () => chart.destroy(), { once: true });
  void load(true);
  poll(REFRESH_MS, () => load(false), signal);
  return section;
}
