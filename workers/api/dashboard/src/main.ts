// The dashboard: the page shell, signing in and out, and hash routing between the views.
import "./styles.css";
import type { Scope } from "@qr3/schema/api/scopes";
import { can, currentKey, forgetCurrentKey, loadCurrentKey } from "./access.ts";
import { onUnauthorized, EXPIRED_KEY_MESSAGE } from "./api.ts";
import { alertArea, clearAlerts, noticeArea, showError, showErrorText, showNotice } from "./alerts.ts";
import { h, setTitle } from "./dom.ts";
import { href, parseRoute, takePendingNotice, type Route } from "./nav.ts";
import { clearKey, getKey } from "./session.ts";
import { codeView } from "./views/code.ts";
import { codesView } from "./views/codes.ts";
import { domainsView } from "./views/domains.ts";
import { keysView } from "./views/keys.ts";
import { signInView } from "./views/signin.ts";
import { campaignView } from "./views/campaign.ts";
import { tagsView } from "./views/tags.ts";
import { webhookView, webhooksView } from "./views/webhooks.ts";
import { workspaceView } from "./views/workspace.ts";

const main = h("main", { id: "main", tabindex: -1 });
const navLinks = {
  codes: h("a", { href: href.codes }, "Codes"),
  tags: h("a", { href: href.tags }, "Tags"),
  domains: h("a", { href: href.domains }, "Domains"),
  webhooks: h("a", { href: href.webhooks }, "Webhooks"),
  workspace: h("a", { href: href.workspace }, "Workspace"),
  keys: h("a", { href: href.keys }, "API keys"),
};
type Section = keyof typeof navLinks;

/** The scope each section's page needs to be of use; the workspace page needs none. */
const SECTION_SCOPES: Partial<Record<Section, Scope>> = { codes: "codes:read", tags: "codes:read", domains: "codes:read", webhooks: "webhooks:read", keys: "keys:write" };
const allowed = (name: Section) => {
  const scope = SECTION_SCOPES[name];
  return scope === undefined || can(scope);
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
  // The API the dashboard is built on, described for those who build on it too.
  h(
    "footer",
    { class: "site-footer" },
    h("a", { href: "/reference/" }, "API reference"),
    h("a", { href: "/v1/openapi.json" }, "OpenAPI document"),
  ),
);

let current: AbortController | null = null;

function section(route: Route): Section {
  return route.name === "code" ? "codes" : route.name === "webhook" ? "webhooks" : route.name === "tag" ? "tags" : route.name;
}

/** A page the signed-in key has no scope for. */
function notAllowed(scope: Scope): void {
  setTitle("Not available");
  main.replaceChildren(
    h("h1", { tabindex: -1 }, "Not available with this key"),
    h("p", null, `This page needs the “${scope}” scope, which the API key you signed in with lacks. Sign in with a key that has it.`),
  );
}

/** Before the first page after signing in: what the key may do. */
function loadKeyThenRender(signal: AbortSignal, options: { focus?: boolean }): void {
  const status = h("p", { class: "muted" }, "Loading…");
  main.replaceChildren(status);
  loadCurrentKey(signal)
    .then(() => render(options))
    .catch((err) => {
      // A 401 signs out (onUnauthorized); anything else may be retried.
      if (signal.aborted || getKey() === null) return;
      showError(err);
      main.replaceChildren(
        h("p", null, "What your API key may do could not be loaded."),
        h("button", { type: "button", class: "secondary", onclick: () => render(options) }, "Try again"),
      );
    });
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

  if (signedIn && currentKey() === null) {
    nav.hidden = true;
    return loadKeyThenRender(signal, options);
  }
  if (!signedIn) {
    signInView(main, signal, () => render({ focus: true }));
  } else {
    let route = parseRoute(location.hash);
    if (!route) {
      // Unknown (or no) hash: the codes (or, for a key that may not read them, the workspace),
      // without leaving the unknown address in the history.
      route = allowed("codes") ? { name: "codes" } : { name: "workspace" };
      history.replaceState(null, "", href[route.name]);
    }
    for (const [name, link] of Object.entries(navLinks) as [Section, HTMLAnchorElement][]) {
      link.parentElement!.hidden = !allowed(name);
      if (name === section(route)) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    const needed = SECTION_SCOPES[section(route)];
    if (needed !== undefined && !can(needed)) notAllowed(needed);
    else if (route.name === "codes") codesView(main, signal, route.tag ?? null);
    else if (route.name === "tags") tagsView(main, signal);
    else if (route.name === "tag") campaignView(main, signal, route.tag);
    else if (route.name === "domains") domainsView(main, signal);
    else if (route.name === "code") codeView(main, signal, route.id);
    else if (route.name === "webhooks") webhooksView(main, signal);
    else if (route.name === "webhook") webhookView(main, signal, route.id);
    else if (route.name === "keys") keysView(main, signal);
    else workspaceView(main, signal);
  }
  const notice = takePendingNotice();
  if (notice) showNotice(notice);
  // After a navigation, move focus to the new page's heading so keyboard and screen reader users start there.
  if (options.focus) (main.querySelector<HTMLElement>("h1") ?? main).focus();
}

function signOut(message?: string): void {
  clearKey();
  forgetCurrentKey();
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
