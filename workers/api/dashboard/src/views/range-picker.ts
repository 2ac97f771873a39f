// The analytics window: the last 7/30/90/365 days, or any range of local dates picked with two
// date inputs. The inputs always show the dates the window covers, so a preset can be narrowed
// from where it stands.
import { h, newId } from "../dom.ts";
import type { AnalyticsWindow } from "../analytics-query.ts";
import { addDays, daysBetween, todayIn, windowDates } from "../timezones.ts";
import { API_LIMITS } from "@qr3/schema/api/limits";

const { stats_days } = API_LIMITS;
// The windows offered, up to the longest the API answers.
const PRESETS = [7, 30, 90, stats_days.max];
const RANGE = "range";

export interface RangePicker {
  el: HTMLElement;
  /** Shows `window` in zone `tz` (a preset, or a range). */
  set(window: AnalyticsWindow, tz: string): void;
}

/** `onChange` hears of a window the API accepts; a range it would refuse is explained instead. */
export function rangePicker(onChange: (window: AnalyticsWindow) => void): RangePicker {
  const select = h("select", { name: "days", id: newId("f") });
  const from = h("input", { type: "date", name: "from", id: newId("f"), required: true });
  const to = h("input", { type: "date", name: "to", id: newId("f"), required: true });
  const problem = h("p", { class: "form-error", id: newId("err"), hidden: true });
  for (const input of [from, to]) input.setAttribute("aria-describedby", problem.id);
  let zone = "UTC";
  const rangeOption = h("option", { value: RANGE }, "Dates chosen");
  select.append(...PRESETS.map((d) => h("option", { value: d }, `Last ${d} days`)), rangeOption);

  function showDates(window: AnalyticsWindow): void {
    const today = todayIn(zone);
    if ("days" in window) {
      const dates = windowDates(zone, window.days);
      from.value = dates[0]!;
      to.value = dates.at(-1)!;
    } else {
      from.value = window.from;
      to.value = window.to;
    }
    // The API answers no date after today, nor ranges longer than its limit.
    to.max = today;
    from.max = to.value || today;
    from.min = to.value ? addDays(to.value, -(stats_days.range_max - 1)) : "";
  }

  function refuse(message: string | null): void {
    problem.textContent = message ?? "";
    problem.hidden = message === null;
    for (const input of [from, to]) {
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }

  select.addEventListener("change", () => {
    if (select.value === RANGE) return datesChanged();
    const window = { days: Number(select.value) };
    refuse(null);
    showDates(window);
    onChange(window);
  });

  function datesChanged(): void {
    const [a, b] = [from.value, to.value];
    if (!a || !b) return refuse("Choose both dates.");
    if (a > b) return refuse("The first date must not be after the last.");
    if (b > todayIn(zone)) return refuse("The last date cannot be after today.");
    if (daysBetween(a, b) + 1 > stats_days.range_max) return refuse(`Choose at most ${stats_days.range_max} days.`);
    refuse(null);
    select.value = RANGE;
    const window = { from: a, to: b };
    showDates(window);
    onChange(window);
  }
  from.addEventListener("change", datesChanged);
  to.addEventListener("change", datesChanged);

  const field = (label: string, control: HTMLSelectElement | HTMLInputElement) =>
    h("div", { class: "field" }, h("label", { for: control.id }, label), control);
  const el = h("div", { class: "range-picker" }, field("Window", select), field("From", from), field("To", to), problem);

  return {
    el,
    set(window, tz) {
      zone = tz;
      if ("days" in window && ![...select.options].some((o) => o.value === String(window.days))) {
        // A window by days that the presets lack (a shared link): offer it too.
        rangeOption.before(h("option", { value: window.days }, `Last ${window.days} days`));
      }
      select.value = "days" in window ? String(window.days) : RANGE;
      showDates(window);
    },
  };
}
