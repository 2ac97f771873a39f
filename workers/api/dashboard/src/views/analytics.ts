// Scan analytics, of one code, of a tag's codes together (a campaign) or of the whole workspace:
// window or date range, time zone, bots, comparison with the previous period, periods and
// filters (kept in the page's address, so a reload or a shared link shows the same); totals,
// scans per period, scans by weekday and hour, top lists (each entry filters by itself), a world
// map, a CSV of all of it, and (for a code) exports of the raw scans. Refreshes itself every 10
// seconds while the page is visible.
import { enc, getFile, getJson } from "../api.ts";
import { showError } from "../alerts.ts";
import { busy, fill, formatClock, formatNumber, h, newId, plural } from "../dom.ts";
import { saveBlob } from "../files.ts";
import { poll } from "../poll.ts";
import { addDays, browserZone, localMidnight, windowDates, zoneChoices } from "../timezones.ts";
import { apiQuery, granularityOf, queryOfState, stateFromQuery, type AnalyticsState } from "../analytics-query.ts";
import type { Code, Envelope, ScanStats, TopCode, TopEntry, TopListField } from "@qr3/schema/api";
import { GRANULARITIES, type Granularity } from "@qr3/schema/api/limits";
import { DIMENSIONS, DIMENSION_NAMES, type Dimension } from "@qr3/schema/dimensions";
import { dayChart } from "./chart.ts";
import { rangePicker } from "./range-picker.ts";
import { FILTER_OF_LIST, filterChips, withFilter } from "./analytics-filters.ts";
import { hourHeatmap } from "./heatmap.ts";
import { worldMap } from "./world-map.ts";
import { analyticsCsv, chartData, type ShownList } from "./analytics-csv.ts";

const REFRESH_MS = 10_000;
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
const PERIOD_WORDS: Record<Granularity, [string, string]> = { day: ["Days", "day"], week: ["Weeks", "week"], month: ["Months", "month"] };
const AUTOMATIC = "auto";

/** What any of the aggregations answers, with what only some of them have. */
export type AnalyticsStats = ScanStats & { top_codes?: TopCode[]; code_count?: number };

function labelled(label: string, control: HTMLSelectElement, wide = false): HTMLDivElement {
  control.id = newId("f");
  return h("div", { class: wide ? "field wide" : "field" }, h("label", { for: control.id }, label), control);
}

const percent = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 0 });

/** "+25%", "−10%", "±0%"; "new" when there was nothing before to compare with. */
export function changeText(change: number | null, current: number): string {
  if (change === null) return current > 0 ? "new" : "±0%";
  const sign = change > 0 ? "+" : change < 0 ? "−" : "±";
  return `${sign}${percent.format(Math.abs(change))}`;
}

/** A total: "3 scans" on one line, what it means below, and its change when compared. */
function total(): { el: HTMLLIElement; set(text: string, sub: string, change?: { value: number | null; current: number; before: string }): void } {
  const value = h("p", { class: "total-value" });
  const delta = h("span", { class: "total-change", hidden: true });
  const sub = h("p", { class: "total-sub" });
  return {
    el: h("li", { class: "total" }, value, sub),
    set(text, subText, change) {
      value.replaceChildren(text);
      sub.textContent = subText;
      if (!change) return;
      delta.textContent = changeText(change.value, change.current);
      delta.className = `total-change ${change.value === null ? (change.current > 0 ? "up" : "") : change.value > 0 ? "up" : change.value < 0 ? "down" : ""}`;
      delta.title = change.before;
      delta.dataset.change = change.value === null ? "null" : String(change.value);
      delta.hidden = false;
      value.append(" ", delta);
      sub.textContent = `${subText}; ${change.before}`;
    },
  };
}

/** What the section shows: where its figures come from, and the words around them. */
interface AnalyticsSource {
  title: string;
  /** The aggregation endpoint, without its query. */
  path: string;
  /** The all-time total's words. */
  lifetime(stats: AnalyticsStats): string;
  /** What the unique count counts. */
  unique: string;
  emptyHint: Array<Node | string>;
  /** Names the page's CSV: qr3-analytics-<name>-<from>-<to>.csv. */
  fileName: string;
  /** The export of a code's raw scans. */
  exportOf?: Code;
}

/** The analytics of one code. */
export function codeAnalytics(code: Code, signal: AbortSignal): HTMLElement {
  return analyticsSection(
    {
      title: "Scan analytics",
      path: `/v1/codes/${enc(code.id)}/scans`,
      lifetime: () => "since the code was created",
      unique: "visitors, counted per day",
      emptyHint: ["Scan the QR code with a phone camera, or open the short link ", h("code", null, code.short_url), " in a browser. Scans show up here within seconds."],
      fileName: code.short_code,
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
      lifetime: () => "all codes, since they were created",
      unique: "visitors, counted per day",
      emptyHint: ["Scans of every code of the workspace show up here within seconds."],
      fileName: "workspace",
    },
    signal,
  );
}

/** The analytics of the codes carrying a tag, together, with the most scanned of them. */
export function tagAnalytics(tag: string, signal: AbortSignal): HTMLElement {
  return analyticsSection(
    {
      title: "Scans of the campaign",
      path: `/v1/tags/${enc(tag)}/scans`,
      lifetime: (stats) => `${plural(stats.code_count ?? 0, "code", "codes")} carrying the tag, since created`,
      // The API sums each code's unique visitors: one person scanning two of the codes counts twice.
      unique: "unique visitors, summed over codes",
      emptyHint: ["Scans of every code carrying this tag show up here within seconds."],
      fileName: `tag-${tag}`,
    },
    signal,
  );
}

function analyticsSection(source: AnalyticsSource, signal: AbortSignal): HTMLElement {
  // What the section shows lives in the address's query: read it once, write it on each change.
  const [hashPath = "", hashQuery = ""] = location.hash.split("?", 2);
  let state: AnalyticsState = stateFromQuery(new URLSearchParams(hashQuery));
  const zoneOf = (s: AnalyticsState) => s.tz ?? browserZone();

  // Controls.
  const range = rangePicker((window) => change({ window }));
  const own = browserZone();
  const zones = [...new Set([...zoneChoices(), zoneOf(state)])];
  const zoneSelect = h("select", { name: "tz" }, zones.map((z) => h("option", { value: z, selected: z === zoneOf(state) }, z === own ? `${z.replace(/_/g, " ")} (this device)` : z.replace(/_/g, " "))));
  const periodSelect = h(
    "select",
    { name: "granularity" },
    h("option", { value: AUTOMATIC }, "Automatic"),
    GRANULARITIES.map((g) => h("option", { value: g }, PERIOD_WORDS[g][0])),
  );
  periodSelect.value = state.granularity ?? AUTOMATIC;
  const bots = h("input", { type: "checkbox", name: "include_bots", id: newId("f"), checked: state.includeBots });
  const compare = h("input", { type: "checkbox", name: "compare", id: newId("f"), checked: state.compare });
  const updated = h("p", { class: "updated muted small" }, "Loading scans…");
  range.set(state.window, zoneOf(state));
  const controls = h(
    "div",
    { class: "controls" },
    range.el,
    labelled("Periods", periodSelect),
    labelled("Time zone", zoneSelect, true),
    h("div", { class: "check" }, bots, h("label", { for: bots.id }, "Include bots")),
    h("div", { class: "check" }, compare, h("label", { for: compare.id }, "Compare with previous period")),
    updated,
  );
  const chips = filterChips((filters) => change({ filters }));

  // Totals.
  const period = total();
  const unique = total();
  const botTotal = total();
  const lifetime = total();
  const totals = h("ul", { class: "totals" }, period.el, unique.el, botTotal.el, lifetime.el);

  // Empty state.
  const emptyTitle = h("p", { class: "empty-title" }, "No scans in this period yet");
  const empty = h("div", { class: "empty", hidden: true }, emptyTitle, h("p", null, ...source.emptyHint));

  // Chart and its numbers as a table.
  const chartBox = h("div", { class: "chart" });
  const chart = dayChart(chartBox);
  const chartHeading = h("h3", null, "Scans per day");
  const chartCaption = h("caption", null, "Scans per day, days with scans only");
  const chartHead = h("tr");
  const dayRows = h("tbody");
  const chartSection = h(
    "section",
    { class: "chart-section", "aria-label": "Scans per day" },
    chartHeading,
    chartBox,
    // The chart's figures for screen readers: the periods with scans, by local date.
    h("table", { class: "sr-only" }, chartCaption, h("thead", null, chartHead), dayRows),
  );
  const heatmap = hourHeatmap();
  const map = worldMap(signal);

  // Top lists; a workspace's and a tag's also rank codes, each a link to the code's page.
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

  // The page's figures as a CSV, and (for a code) its raw scans.
  const summary = h("button", { type: "button", class: "secondary" }, "Download CSV");
  const csv = h("button", { type: "button", class: "secondary" }, "Export CSV");
  const json = h("button", { type: "button", class: "secondary" }, "Export JSON");
  const exportBox = h(
    "div",
    { class: "export" },
    h("div", { class: "actions" }, summary, source.exportOf ? [csv, json] : null),
    h(
      "p",
      { class: "hint" },
      "Download CSV: the figures shown here, section by section.",
      source.exportOf ? " Export: every scan of the window, one per row or line (JSON: one object per line), bots included and marked in the is_bot column." : null,
    ),
  );

  const results = h("div", { class: "results" }, chartSection, heatmap.el, topGrid, map.el);
  const section = h(
    "section",
    { class: "card analytics", "aria-labelledby": "scans-heading" },
    h("h2", { id: "scans-heading" }, source.title),
    controls,
    chips.el,
    totals,
    empty,
    results,
    exportBox,
  );

  /** A ranked entry: its name (text, a link or a filter button), its count and a bar as long as its share of the first. */
  const ranked = (name: Node | string, count: number, max: number) => {
    const bar = h("span", { class: "bar", "aria-hidden": "true" });
    bar.style.width = `${Math.round((count / max) * 100)}%`;
    return h("li", null, h("span", { class: "name" }, name), " ", h("span", { class: "count" }, formatNumber(count)), bar);
  };

  function renderCodes(codes: TopCode[] | undefined): void {
    codesSection.hidden = codes === undefined;
    if (!codes) return;
    const max = Math.max(1, ...codes.map((c) => c.count));
    // A code's page opens on the same window and filters.
    const query = queryOfState(state).toString();
    fill(codesList, codes.map((c) => ranked(h("a", { href: `#/codes/${enc(c.value)}${query ? `?${query}` : ""}` }, c.short_code), c.count, max)));
    codesList.hidden = codes.length === 0;
    codesNone.hidden = codes.length > 0;
  }

  // What was drawn last, for the CSV.
  let shown: { stats: AnalyticsStats; lists: ShownList[]; granularity: Granularity } | null = null;

  function render(stats: AnalyticsStats, includeBots: boolean, granularity: Granularity): void {
    const windowWords = stats.from === stats.to ? `on ${stats.from}` : `${stats.from} to ${stats.to}`;
    const previous = stats.previous;
    const before = (n: number, one: string, many: string) => (previous ? `${plural(n, one, many)} ${previous.from} to ${previous.to}` : "");
    period.set(
      plural(stats.period_scans, "scan", "scans"),
      windowWords,
      previous && stats.change ? { value: stats.change.period_scans, current: stats.period_scans, before: `before: ${before(previous.period_scans, "scan", "scans")}` } : undefined,
    );
    unique.set(
      `${formatNumber(stats.period_unique_scans)} unique`,
      source.unique,
      previous && stats.change ? { value: stats.change.period_unique_scans, current: stats.period_unique_scans, before: `before: ${before(previous.period_unique_scans, "unique", "unique")}` } : undefined,
    );
    if (includeBots) botTotal.set("Bots included", "link previews and crawlers count as scans");
    else botTotal.set(`${plural(stats.bot_scans, "bot scan", "bot scans")} excluded`, "link previews and crawlers");
    lifetime.set(`${formatNumber(stats.total_scans)} all time`, source.lifetime(stats));
    renderCodes(stats.top_codes);

    const isEmpty = stats.period_scans === 0;
    const filtered = Object.keys(stats.filters ?? {}).length > 0;
    emptyTitle.textContent = filtered ? "No scans match these filters in this period" : "No scans in this period yet";
    empty.hidden = !isEmpty;
    results.hidden = isEmpty;

    const data = chartData(stats, granularity);
    const [periods, per] = PERIOD_WORDS[granularity];
    chartHeading.textContent = `Scans per ${per}`;
    chartSection.setAttribute("aria-label", `Scans per ${per}`);
    chartCaption.textContent = `Scans per ${per}, ${periods.toLowerCase()} with scans only`;
    chart.update(data);
    fill(
      chartHead,
      h("th", { scope: "col" }, granularity === "day" ? "Date" : `${per.charAt(0).toUpperCase()}${per.slice(1)} from`),
      h("th", { scope: "col" }, "Scans"),
      h("th", { scope: "col" }, "Unique"),
      data.previous ? h("th", { scope: "col" }, "Previous period") : null,
    );
    const rows = data.starts.map((start, i) => ({ start, count: data.counts[i]!, unique: data.uniques[i]!, previous: data.previous?.[i] }));
    const withScans = rows.filter((r) => r.count > 0 || (r.previous ?? 0) > 0);
    fill(
      dayRows,
      withScans.length === 0
        ? h("tr", null, h("td", { colspan: data.previous ? 4 : 3 }, "No scans."))
        : withScans.map((r) =>
            h(
              "tr",
              null,
              h("td", null, h("time", { datetime: r.start }, r.start)),
              h("td", { class: "num" }, formatNumber(r.count)),
              h("td", { class: "num" }, formatNumber(r.unique)),
              r.previous === undefined ? null : h("td", { class: "num" }, formatNumber(r.previous)),
            ),
          ),
    );
    heatmap.update(stats.scans_by_hour ?? []);
    map.update(stats.top_countries ?? []);

    const shownLists: ShownList[] = [];
    for (const [fieldName, title, cap, unknown] of TOP_LISTS) {
      const named = stats[fieldName] ?? [];
      const rest = stats.period_scans - named.reduce((sum, e) => sum + e.count, 0);
      const entries: TopEntry[] = [...named];
      if (rest > 0) entries.push({ value: null, count: rest });
      const restName = named.length < cap ? unknown : "Others and unknown";
      shownLists.push({ title, entries: entries.map((e) => ({ name: e.value ?? restName, count: e.count })) });
      const { list, none } = lists.get(fieldName)!;
      const max = Math.max(1, ...entries.map((e) => e.count));
      const dim = FILTER_OF_LIST[fieldName];
      fill(
        list,
        entries.map((entry) => {
          const value = entry.value;
          // A named entry filters by itself; the rest has no one value to filter by.
          const name =
            value === null || dim === undefined
              ? (value ?? restName)
              : h("button", { type: "button", class: "link-button", title: `Only scans with ${value}`, onclick: () => change({ filters: withFilter(state.filters, dim, value) }) }, value);
          return ranked(name, entry.count, max);
        }),
      );
      list.hidden = entries.length === 0;
      none.hidden = entries.length > 0;
    }
    shown = { stats, lists: shownLists, granularity };
  }

  /** Applies a change of what is shown: the address, the controls, then the figures. */
  function change(patch: Partial<AnalyticsState>): void {
    state = { ...state, ...patch };
    const query = queryOfState(state).toString();
    history.replaceState(history.state, "", query ? `${hashPath}?${query}` : hashPath);
    chips.set(state.filters);
    void load(true);
  }
  chips.set(state.filters);

  // Every load gets a number; only the newest one may paint, so a slow answer for an old
  // selection never overwrites a newer one.
  let latest = 0;
  let failing = false;
  async function load(byUser: boolean): Promise<void> {
    const id = ++latest;
    const current = state;
    const tz = zoneOf(current);
    const granularity = granularityOf(current);
    if (byUser) section.setAttribute("aria-busy", "true");
    try {
      const { data } = await getJson<Envelope<AnalyticsStats>>(`${source.path}?${apiQuery(current, tz)}`, {
        signal,
        fields: { tz: "time zone", from: "first date", to: "last date", days: "window" },
      });
      if (id !== latest || signal.aborted) return;
      render(data, current.includeBots, granularity);
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

  zoneSelect.addEventListener("change", () => {
    const tz = zoneSelect.value === own ? null : zoneSelect.value;
    // A window by days moves with the zone's today; the dates shown follow.
    range.set(state.window, zoneSelect.value);
    change({ tz });
  });
  periodSelect.addEventListener("change", () => change({ granularity: periodSelect.value === AUTOMATIC ? null : (periodSelect.value as Granularity) }));
  bots.addEventListener("change", () => change({ includeBots: bots.checked }));
  compare.addEventListener("change", () => change({ compare: compare.checked }));

  summary.addEventListener("click", () => {
    if (!shown) return;
    const { stats } = shown;
    const text = analyticsCsv(shown.stats, shown.lists, shown.granularity, state.includeBots);
    saveBlob(new Blob([text], { type: "text/csv;charset=utf-8" }), `qr3-analytics-${source.fileName.replace(/[^\w.-]+/g, "_")}-${stats.from}-${stats.to}.csv`);
  });

  async function exportScans(code: Code, format: "csv" | "ndjson"): Promise<void> {
    // The window's first local midnight, as a UTC time, to the last local date's end (a window
    // by days runs to now); the export's bounds are inclusive.
    const tz = zoneOf(state);
    const window = state.window;
    const first = "from" in window ? window.from : windowDates(tz, window.days)[0]!;
    const from = new Date(localMidnight(tz, first)).toISOString();
    const to = "to" in window ? `&to=${enc(new Date(localMidnight(tz, addDays(window.to, 1)) - 1).toISOString())}` : "";
    try {
      const file = await getFile(`/v1/codes/${enc(code.id)}/scans/export?format=${format}&from=${enc(from)}${to}`, { signal });
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
