// The dashboard: the page shell, signing in and out, and hash routing between the views.
import "./styles.css";
import { onUnauthorized, EXPIRED_KEY_MESSAGE } from "./api.ts";
import { alertArea, clearAlerts, noticeArea, showErrorText, showNotice } from "./alerts.ts";
import { h } from "./dom.ts";
import { href, parseRoute, takePendingNotice, type Route } from "./nav.ts";
import { clearKey, getKey } from "./session.ts";
import { codeView } from "./views/code.ts";
import { codesView } from "./views/codes.ts";
import { signInView } from "./views/signin.ts";
import { webhookView, webhooksView } from "./views/webhooks.ts";
import { workspaceView } from "./views/workspace.ts";

const main = h("main", { id: "main", tabindex: -1 });
const navLinks = {
  codes: h("a", { href: href.codes }, "Codes"),
  webhooks: h("a", { href: href.webhooks }, "Webhooks"),
  workspace: h("a", { href: href.workspace }, "Workspace"),
};
const signOutButton = h("button", { type: "button", class: "secondary", onclick: () => signOut() }, "Sign out");
const nav = h("nav", { "aria-label": "Main" }, h("ul", null, Object.values(navLinks).map((a) => h("li", null, a))));
const header = h(
  "header",
  { class: "site-header" },
  h("div", { class: "bar" }, h("a", { class: "brand", href: href.codes }, "qr3"), nav, signOutButton),
);

document.querySelector("#app")!.replaceChildren(
  h("a", { class: "skip-link", href: "#main", onclick: (e: Event) => (e.preventDefault(), main.focus()) }, "Skip to content"),
  header,
  h("div", { class: "page" }, h("div", { class: "messages" }, alertArea, noticeArea), main),
);

let current: AbortController | null = null;

function section(route: Route): keyof typeof navLinks {
  return route.name === "code" ? "codes" : route.name === "webhook" ? "webhooks" : route.name;
}

/** Renders the page for the current hash (or the sign-in form), stopping the previous page. */
function render(options: { focus?: boolean } = {}): void {
  current?.abort();
  current = new AbortController();
  const { signal } = current;
  main.replaceChildren();
  const signedIn = getKey() !== null;
  nav.hidden = !signedIn;
  signOutButton.hidden = !signedIn;

  if (!signedIn) {
    signInView(main, signal, () => render({ focus: true }));
  } else {
    let route = parseRoute(location.hash);
    if (!route) {
      // Unknown (or no) hash: the codes, without leaving the unknown address in the history.
      history.replaceState(null, "", href.codes);
      route = { name: "codes" };
    }
    for (const [name, link] of Object.entries(navLinks)) {
      if (name === section(route)) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    if (route.name === "codes") codesView(main, signal);
    else if (route.name === "code") codeView(main, signal, route.id);
    else if (route.name === "webhooks") webhooksView(main, signal);
    else if (route.name === "webhook") webhookView(main, signal, route.id);
    else workspaceView(main, signal);
  }
  const notice = takePendingNotice();
  if (notice) showNotice(notice);
  // After a navigation, move focus to the new page's heading so keyboard and screen reader users start there.
  if (options.focus) (main.querySelector<HTMLElement>("h1") ?? main).focus();
}

function signOut(message?: string): void {
  clearKey();
  clearAlerts();
  render({ focus: true });
  if (message) showErrorText(message);
}

onUnauthorized(() => {
  if (getKey() !== null) signOut(EXPIRED_KEY_MESSAGE);
});

window.addEventListener("hashchange", () => {
  clearAlerts();
  render({ focus: true });
});

render();
