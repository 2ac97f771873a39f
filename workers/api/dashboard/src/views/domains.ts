// Branded domains: adding a hostname, the TXT record that proves it is the workspace's (with
// copy buttons), verifying it, and removing it.
import { can } from "../access.ts";
import { ApiError, enc, getJson, send } from "../api.ts";
import { describe, showError, showNotice } from "../alerts.ts";
import { busy, field, fill, formError, h, setTitle, time } from "../dom.ts";
import { copyControl } from "../files.ts";
import { hostnameProblem } from "@qr3/core/hostnames";
import type { Domain, Envelope, Page } from "@qr3/schema/api";
import { API_LIMITS } from "@qr3/schema/api/limits";
import { confirmDialog } from "./confirm.ts";
import { badge } from "./status.ts";

const FIELDS = { hostname: "hostname", id: "domain" };

/** A hostname as typed, or pasted as a link: lower-cased, without a scheme, path or final dot. */
export function hostnameOf(text: string): string {
  let value = text.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && URL.canParse(value)) value = new URL(value).hostname;
  return value.toLowerCase().replace(/\.$/, "");
}

/** The TXT record to create, each part with a copy button. */
function recordFacts(domain: Domain): HTMLElement {
  const part = (term: string, value: string, label: string) => {
    const text = h("code", { class: "record-value" }, value);
    const copy = copyControl(label, () => value, () => getSelection()?.selectAllChildren(text));
    copy.button.classList.add("small-button");
    copy.button.setAttribute("aria-label", `${label} of the TXT record for ${domain.hostname}`);
    return h("div", { class: "fact" }, h("dt", null, term), h("dd", null, h("div", { class: "record-line" }, text, copy.button), copy.status));
  };
  return h(
    "dl",
    { class: "record" },
    h("div", { class: "fact" }, h("dt", null, "Type"), h("dd", null, h("code", null, domain.verification.type))),
    part("Name", domain.verification.name, "Copy name"),
    part("Value", domain.verification.value, "Copy value"),
  );
}

function domainItem(initial: Domain, signal: AbortSignal, removed: (domain: Domain, item: HTMLElement) => void): HTMLLIElement {
  let domain = initial;
  const item = h("li", { class: "card domain", "data-hostname": domain.hostname });
  const result = h("p", { class: "form-error", role: "alert", hidden: true });

  const verify = h("button", { type: "button" }, "Verify");
  verify.setAttribute("aria-label", `Verify ${domain.hostname}`);
  verify.addEventListener("click", () =>
    void busy(verify, async () => {
      result.hidden = true;
      try {
        const { data } = await send<Envelope<Domain>>("POST", `/v1/domains/${enc(domain.id)}/verify`, undefined, { signal, fields: FIELDS });
        domain = data;
        draw();
        showNotice(`${data.hostname} is verified: codes can be created on it now.`);
      } catch (err) {
        if (signal.aborted) return;
        // Not found yet, or no answer from DNS: worth saying here, beside the record.
        if (err instanceof ApiError && (err.status === 422 || err.status === 503)) {
          result.textContent = describe(err);
          result.hidden = false;
        } else showError(err);
      }
    }),
  );

  const remove = h("button", { type: "button", class: "danger" }, "Remove");
  remove.setAttribute("aria-label", `Remove ${domain.hostname}`);
  remove.addEventListener("click", () =>
    confirmDialog({
      title: `Remove ${domain.hostname}?`,
      message: "Codes can no longer be created on it. A domain that codes are still on cannot be removed: delete those codes first.",
      confirm: "Yes, remove",
      action: async () => {
        await send<void>("DELETE", `/v1/domains/${enc(domain.id)}`, undefined, { signal, fields: FIELDS });
        removed(domain, item);
      },
    }),
  );

  function draw(): void {
    const pending = domain.status === "pending";
    fill(
      item,
      h("h3", { class: "wrap" }, domain.hostname),
      h(
        "p",
        { class: "summary" },
        badge(domain.status),
        " ",
        h("span", { class: "muted" }, domain.verified_at ? ["Verified ", time(domain.verified_at)] : ["Added ", time(domain.created_at)]),
      ),
      pending
        ? [
            h("p", null, "To verify it, create this TXT record at the DNS provider of ", h("strong", null, domain.hostname), ", then press Verify. DNS changes may take a few minutes to be seen."),
            recordFacts(domain),
          ]
        : h("p", null, "Codes can be created on it: choose it as the domain when you create a code."),
      result,
      can("codes:write") ? h("div", { class: "actions" }, pending ? verify : null, remove) : null,
    );
  }
  draw();
  return item;
}

export function domainsView(main: HTMLElement, signal: AbortSignal): void {
  setTitle("Domains");
  const hostname = h("input", { type: "text", name: "hostname", required: true, placeholder: "go.example.com", autocomplete: "off", spellcheck: "false", maxlength: 253 });
  const error = formError(hostname);
  const add = h("button", { type: "submit" }, "Add domain");
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("Hostname", hostname, `A hostname of yours, such as go.example.com. A workspace may have ${API_LIMITS.domains.max} domains.`),
    error.el,
    h("div", { class: "actions" }, add),
  );
  const list = h("ul", { class: "domain-list" });
  const listStatus = h("p", { class: "muted" }, "Loading domains…");
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Show more");
  let cursor: string | null = null;

  const showEmpty = () => {
    listStatus.hidden = list.children.length > 0;
    listStatus.textContent = "No branded domains yet: codes are on the qr3 short domain.";
  };
  const removed = (domain: Domain, item: HTMLElement) => {
    item.remove();
    showEmpty();
    showNotice(`${domain.hostname} removed.`);
  };

  async function loadPage(): Promise<void> {
    try {
      const page = await getJson<Page<Domain>>(`/v1/domains?limit=${API_LIMITS.page_size.max}${cursor ? `&cursor=${enc(cursor)}` : ""}`, { signal });
      list.append(...page.data.map((d) => domainItem(d, signal, removed)));
      cursor = page.pagination.has_more ? page.pagination.next_cursor : null;
      more.hidden = cursor === null;
      showEmpty();
    } catch (err) {
      if (signal.aborted) return;
      if (list.children.length === 0) listStatus.textContent = "The domains could not be loaded.";
      showError(err);
    }
  }
  more.addEventListener("click", () => void busy(more, loadPage));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.clear();
    const value = hostnameOf(hostname.value);
    if (!value) {
      error.show("Type the hostname.", hostname);
      return hostname.focus();
    }
    // The shape of a DNS name; whether it is our own domain is the API's to say.
    const problem = hostnameProblem(value, "");
    if (problem) {
      error.show(`The hostname ${problem}.`, hostname);
      return hostname.focus();
    }
    void busy(add, async () => {
      try {
        const { data } = await send<Envelope<Domain>>("POST", "/v1/domains", { hostname: value }, { signal, fields: FIELDS });
        const item = domainItem(data, signal, removed);
        list.prepend(item);
        showEmpty();
        form.reset();
        showNotice(`${data.hostname} added. Create its TXT record, then verify it.`);
        item.querySelector<HTMLElement>("button")?.focus();
      } catch (err) {
        if (signal.aborted) return;
        showError(err);
        error.mark(err instanceof ApiError && err.field === "hostname" ? hostname : null);
        hostname.focus();
      }
    });
  });

  main.replaceChildren(
    h("h1", { tabindex: -1 }, "Domains"),
    h("p", null, "On a branded domain, a code's short link is on a hostname of yours, such as https://go.example.com/menu. Add the hostname, prove it is yours with a DNS TXT record, then create codes on it."),
    ...(can("codes:write") ? [h("section", { class: "card", "aria-labelledby": "add-domain-heading" }, h("h2", { id: "add-domain-heading" }, "Add a domain"), form)] : []),
    h("section", { "aria-labelledby": "domains-heading" }, h("h2", { id: "domains-heading" }, "Your domains"), listStatus, list, more),
  );
  void loadPage();
}
