// Small helpers to build the DOM without innerHTML: API data only ever reaches the page as text
// nodes or attribute values.

export type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined;
export type Attrs = Record<string, AttrValue | ((event: Event) => void)>;

/** `h("button", { type: "button", onclick }, "Save")`: attributes, listeners (on...) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Array<Child | Child[]>): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (typeof value === "function") el.addEventListener(name.slice(2), value);
      else if (value === true) el.setAttribute(name, "");
      else if (value !== null && value !== undefined && value !== false) el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Array<Child | Child[]>): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `el`. */
export function fill(el: Element, ...children: Array<Child | Child[]>): void {
  el.replaceChildren();
  append(el, children);
}

let uid = 0;
/** A unique id for label/aria wiring. */
export const newId = (prefix: string) => `${prefix}-${++uid}`;

/** A labelled form field: `<div class="field"><label>..</label>input<p hint></div>`. */
export function field(label: string, input: HTMLInputElement | HTMLSelectElement, hint?: string): HTMLDivElement {
  input.id ||= newId("f");
  const hintEl = hint ? h("p", { class: "hint", id: newId("hint") }, hint) : null;
  if (hintEl) input.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: input.id }, label), input, hintEl);
}

/**
 * A paragraph next to a form for its errors, tied to the form's inputs by aria-describedby, and
 * the inputs' aria-invalid.
 */
export function formError(...inputs: Array<HTMLInputElement | HTMLSelectElement>) {
  const el = h("p", { class: "form-error", id: newId("err"), hidden: true });
  for (const input of inputs) {
    const described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", described ? `${described} ${el.id}` : el.id);
  }
  return {
    el,
    show(message: string, invalid?: HTMLInputElement | HTMLSelectElement | null) {
      el.textContent = message;
      el.hidden = false;
      for (const input of inputs) {
        if (input === invalid) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      }
    },
    /** Marks `invalid` (the alert area says why). */
    mark(invalid: HTMLInputElement | HTMLSelectElement | null) {
      for (const input of inputs) {
        if (input === invalid) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      }
    },
    clear() {
      el.textContent = "";
      el.hidden = true;
      for (const input of inputs) input.removeAttribute("aria-invalid");
    },
  };
}

/** Marks a button busy while `task` runs, and ignores clicks meanwhile. */
export async function busy<T>(button: HTMLButtonElement, task: () => Promise<T>): Promise<T | undefined> {
  if (button.getAttribute("aria-busy") === "true") return undefined;
  button.setAttribute("aria-busy", "true");
  try {
    return await task();
  } finally {
    button.removeAttribute("aria-busy");
  }
}

const numberFormat = new Intl.NumberFormat();
export const formatNumber = (n: number) => numberFormat.format(n);

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const clockFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });

/** Formats an ISO time; an unreadable one is shown as it came. */
const safely = (format: Intl.DateTimeFormat) => (iso: string) => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : format.format(date);
};
export const formatDateTime = safely(dateTimeFormat);
export const formatDate = safely(dateFormat);
/** hh:mm:ss in the browser's time zone. */
export const formatClock = (date: Date) => clockFormat.format(date);

/** "1 scan", "3 scans". */
export const plural = (n: number, one: string, many: string) => `${formatNumber(n)} ${n === 1 ? one : many}`;

/** A `<time>` element showing a date and time. */
export const time = (iso: string) => h("time", { datetime: iso }, formatDateTime(iso));

export function setTitle(page: string): void {
  document.title = `${page} · qr3`;
}

/**
 * An error paragraph of one control, beside it: tied to it by aria-describedby, the control
 * marked aria-invalid while it shows. Put `el` in the control's field.
 */
export function errorSlot(input: HTMLInputElement | HTMLSelectElement) {
  const error = formError(input);
  return { el: error.el, input, show: (message: string) => error.show(message, input), clear: error.clear };
}
export type ErrorSlot = ReturnType<typeof errorSlot>;

/** A checkbox with its label after it. */
export function checkField(label: string, input: HTMLInputElement, hint?: string): HTMLDivElement {
  input.id ||= newId("f");
  const hintEl = hint ? h("p", { class: "hint", id: newId("hint") }, hint) : null;
  if (hintEl) input.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("div", { class: "check" }, input, h("label", { for: input.id }, label)), hintEl);
}
