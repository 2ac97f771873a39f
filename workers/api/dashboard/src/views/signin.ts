import { ApiError, getJson } from "../api.ts";
import { clearAlerts, showError, showErrorText } from "../alerts.ts";
import { busy, field, formError, h, setTitle } from "../dom.ts";
import { setKey } from "../session.ts";
import type { Envelope, Workspace } from "@qr3/schema/api";

/** The sign-in form. The key is checked against the API before it is kept. */
export function signInView(main: HTMLElement, signal: AbortSignal, signedIn: (workspace: Workspace) => void): void {
  setTitle("Sign in");
  const input = h("input", { type: "password", name: "api-key", autocomplete: "off", spellcheck: "false", required: true });
  const error = formError(input);
  const button = h("button", { type: "submit" }, "Sign in");
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("API key", input, "A key looks like qr3_sk_… It is kept in this browser tab only, until you sign out or close the browser."),
    error.el,
    h("div", { class: "actions" }, button),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = input.value.trim();
    error.clear();
    if (!key) {
      error.show("Enter your API key.", input);
      input.focus();
      return;
    }
    void busy(button, async () => {
      try {
        const { data } = await getJson<Envelope<Workspace>>("/v1/workspaces/current", { key, signal });
        setKey(key);
        clearAlerts();
        signedIn(data);
      } catch (err) {
        if (signal.aborted) return;
        const message =
          err instanceof ApiError && err.status === 401
            ? `Sign-in failed: ${err.message} Check the key and try again.`
            : err instanceof DOMException
              ? "This browser does not allow the dashboard to keep the key (storage is blocked), so you cannot sign in."
              : null;
        if (message) showErrorText(message);
        else showError(err);
        error.mark(input);
        input.focus();
      }
    });
  });
  main.replaceChildren(
    h(
      "section",
      { class: "card narrow" },
      h("h1", { tabindex: -1 }, "Sign in"),
      h("p", null, "Sign in with an API key of your workspace to manage its QR codes, see their scans and set up webhooks."),
      form,
    ),
  );
}
