// One area for errors and one for confirmations, both dismissible. An error is inserted as a
// role="alert" paragraph (announced as it appears); the confirmations area is a lasting
// role="status" region.
import { ApiError, isAbort } from "./api.ts";
import { h, fill } from "./dom.ts";

export const alertArea = h("div", { class: "alert-area" });
export const noticeArea = h("div", { class: "notice-area", role: "status" });

function box(area: HTMLElement, kind: "error" | "notice", message: string, detail?: string | null): void {
  const dismiss = h("button", { type: "button", class: "dismiss", onclick: () => area.replaceChildren() }, "Dismiss");
  const text = h("p", kind === "error" ? { role: "alert" } : null, message, detail ? h("span", { class: "detail" }, ` ${detail}`) : null);
  fill(area, h("div", { class: `banner banner-${kind}` }, text, dismiss));
}

/** Words for any error: the API's message in plain words, or what went wrong in the browser. */
export function describe(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error && err.message) return `Something went wrong in the dashboard: ${err.message}`;
  return "Something went wrong in the dashboard. Reload the page and try again.";
}

/** Shows an error; an aborted request (the user navigated away) is not one. */
export function showError(err: unknown): void {
  if (isAbort(err)) return;
  const reference = err instanceof ApiError && err.status >= 500 && err.requestId ? `(Reference: ${err.requestId})` : null;
  box(alertArea, "error", describe(err), reference);
}

/** Shows an error already put in words. */
export function showErrorText(message: string): void {
  box(alertArea, "error", message);
}

export function showNotice(message: string): void {
  box(noticeArea, "notice", message);
}

export function clearAlerts(): void {
  alertArea.replaceChildren();
  noticeArea.replaceChildren();
}
