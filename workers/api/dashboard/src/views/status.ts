import { h } from "../dom.ts";

/** A status badge: "active", "disabled", "succeeded", ... as the API words it. */
export function badge(status: string): HTMLSpanElement {
  const el = h("span", { class: "badge" });
  setBadge(el, status);
  return el;
}

export function setBadge(el: HTMLElement, status: string): void {
  el.textContent = status;
  el.dataset.status = status;
}
