// Scans per period (day, week or month) as a uPlot chart: scans as bars, unique scans as a line,
// and, when compared, the previous period's scans as a dashed line laid over the same days.
// Colours come from the stylesheet's custom properties, so the chart follows the light/dark
// colour scheme.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatNumber } from "../dom.ts";

const DAY_S = 86_400;
const DAY_INCRS = [1, 2, 3, 7, 14, 28, 56, 91, 182].map((d) => d * DAY_S);
const COUNT_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1_000, 2_000, 2_500, 5_000, 10_000, 20_000, 50_000, 100_000, 250_000, 500_000, 1_000_000];

const shortDate = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
const longDate = new Intl.DateTimeFormat(undefined, { weekday: "short", year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });

export interface ChartData {
  /** Local dates (YYYY-MM-DD), each the start of one period of the window. */
  starts: string[];
  counts: number[];
  uniques: number[];
  /** The previous period's scans, period by period; null when not compared. */
  previous: number[] | null;
  /** The periods' usual length in days: 1, 7 or about 30. */
  stepDays: number;
}

export interface DayChart {
  update(data: ChartData): void;
  destroy(): void;
}

export function dayChart(container: HTMLElement): DayChart {
  let plot: uPlot | null = null;
  let data: uPlot.AlignedData = [[], [], [], []];
  let step = DAY_S;
  let comparing = false;
  const color = (name: string) => getComputedStyle(container).getPropertyValue(name).trim() || "#888";
  const size = () => {
    const width = Math.floor(container.clientWidth);
    return { width, height: width < 520 ? 200 : 260 };
  };

  function create(): void {
    const { width, height } = size();
    if (width === 0) return; // Hidden: created when it is shown.
    const opts: uPlot.Options = {
      width,
      height,
      // x values are UTC midnights standing for local dates: read them back in UTC.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "UTC"),
      scales: {
        x: { time: true, range: (_u, min, max) => [min - step / 2, max + step / 2] },
        y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.1))] },
      },
      series: [
        { label: "Date", value: (_u, v) => (v == null ? "–" : longDate.format(v * 1000)) },
        {
          label: "Scans",
          stroke: () => color("--accent"),
          fill: () => color("--accent-soft"),
          width: 1,
          paths: uPlot.paths.bars!({ size: [0.7, 40], gap: 1 }),
          points: { show: false },
          value: (_u, v) => (v == null ? "–" : formatNumber(v)),
        },
        {
          label: "Unique",
          stroke: () => color("--chart-unique"),
          width: 2,
          points: { show: true, size: 5, fill: () => color("--chart-unique") },
          value: (_u, v) => (v == null ? "–" : formatNumber(v)),
        },
        {
          label: "Previous period",
          show: comparing,
          stroke: () => color("--muted"),
          width: 2,
          dash: [6, 4],
          points: { show: false },
          value: (_u, v) => (v == null ? "–" : formatNumber(v)),
        },
      ],
      axes: [
        {
          stroke: () => color("--muted"),
          grid: { show: false },
          ticks: { stroke: () => color("--border") },
          incrs: DAY_INCRS,
          space: 56,
          values: (_u, splits) => splits.map((s) => shortDate.format(s * 1000)),
        },
        {
          stroke: () => color("--muted"),
          grid: { stroke: () => color("--border"), width: 1 },
          ticks: { show: false },
          incrs: COUNT_INCRS,
          size: 52,
          values: (_u, splits) => splits.map((s) => formatNumber(s)),
        },
      ],
      cursor: { drag: { x: false, y: false, setScale: false } },
      legend: { live: true },
    };
    plot = new uPlot(opts, data, container);
  }

  const resize = new ResizeObserver(() => {
    if (!plot) create();
    else {
      const next = size();
      if (next.width > 0 && (next.width !== plot.width || next.height !== plot.height)) plot.setSize(next);
    }
  });
  resize.observe(container);

  // Colours are read at draw time: a redraw picks up the other scheme.
  const scheme = matchMedia("(prefers-color-scheme: dark)");
  const onScheme = () => plot?.redraw(false);
  scheme.addEventListener("change", onScheme);

  return {
    update(next) {
      step = next.stepDays * DAY_S;
      comparing = next.previous !== null;
      data = [next.starts.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000), next.counts, next.uniques, next.previous ?? next.starts.map(() => null)];
      if (plot) {
        if (plot.series[3]!.show !== comparing) plot.setSeries(3, { show: comparing });
        plot.setData(data);
      } else create();
    },
    destroy() {
      resize.disconnect();
      scheme.removeEventListener("change", onScheme);
      plot?.destroy();
      plot = null;
    },
  };
}
