// The workspace's API keys: the list (name, prefix, scopes, created, last used, expires), making a
// key with a name, scopes and an optional expiry (the key itself shown once), and revoking one.
import { can, currentKey, forgetCurrentKey } from "../access.ts";
import { ApiError, enc, getJson, send } from "../api.ts";
import { showError, showNotice } from "../alerts.ts";
import { busy, field, fill, formError, h, newId, setTitle, time } from "../dom.ts";
import { copyControl } from "../files.ts";
import { go, href } from "../nav.ts";
import type { ApiKey, CreatedApiKey, Envelope, Page } from "@qr3/schema/api";
import { SCOPES, SCOPE_DESCRIPTIONS, type Scope } from "@qr3/schema/api/scopes";
import { confirmDialog } from "./confirm.ts";
import { badge } from "./status.ts";

const PAGE_SIZE = 50;
/** How the API's field names read in this page's messages. */
const FIELDS = { name: "key name", scopes: "scope list", expires_at: "expiry", id: "key" };

const hasExpired = (key: ApiKey) => key.expires_at !== null && Date.parse(key.expires_at) <= Date.now();

function expiresCell(key: ApiKey): HTMLTableCellElement {
  const cell = h("td", { "data-label": "Expires" });
  if (key.expires_at === null) cell.append("Never");
  else cell.append(time(key.expires_at), ...(hasExpired(key) ? [" ", badge("expired")] : []));
  return cell;
}

function keyRow(key: ApiKey, revoke: (key: ApiKey, row: HTMLTableRowElement) => void): HTMLTableRowElement {
  const signedInWith = key.id === currentKey()?.id;
  const revokeButton = h("button", { type: "button", class: "secondary", "aria-label": `Revoke ${key.name}` }, "Revoke");
  const row = h(
    "tr",
    null,
    h("td", { "data-label": "Name" }, h("strong", null, key.name), signedInWith ? h("span", { class: "muted small block" }, "The key you are signed in with") : null),
    h("td", { "data-label": "Prefix" }, h("code", null, `${key.prefix}…`)),
    h("td", { "data-label": "Scopes" }, key.scopes.length ? key.scopes.map((s, i) => [i ? ", " : "", h("code", null, s)]).flat() : "None"),
    h("td", { "data-label": "Created" }, time(key.created_at)),
    h("td", { "data-label": "Last used" }, key.last_used_at ? time(key.last_used_at) : "Never"),
    expiresCell(key),
    h("td", { "data-label": "Revoke" }, revokeButton),
  );
  revokeButton.addEventListener("click", () => revoke(key, row));
  return row;
}

/** The new key, shown this once. */
function newKeyPanel(created: CreatedApiKey): HTMLElement {
  const headingId = newId("new-key");
  const value = h("code", { class: "secret", "aria-label": "New API key" }, created.api_key);
  const copy = copyControl("Copy key", () => created.api_key, () => getSelection()?.selectAllChildren(value));
  const panel = h(
    "section",
    { class: "card secret-panel", "aria-labelledby": headingId },
    h("h2", { id: headingId, tabindex: -1 }, `New key “${created.name}”`),
    h("p", null, "Copy it now and keep it somewhere safe: ", h("strong", null, "you will not see it again."), " qr3 keeps only its hash."),
    value,
    h("div", { class: "actions" }, copy.button, h("button", { type: "button", class: "secondary", onclick: () => panel.remove() }, "Done")),
    copy.status,
  );
  return panel;
}

/** One checkbox per scope, with what it allows; a scope the signed-in key lacks it cannot give. */
function scopeChoices(): { fieldset: HTMLFieldSetElement; chosen: () => Scope[] } {
  const boxes = SCOPES.map((scope) => {
    const held = can(scope);
    const box = h("input", { type: "checkbox", name: "scopes", value: scope, disabled: !held });
    const label = h(
      "label",
      { class: "scope-choice" },
      box,
      h("span", null, h("code", null, scope), h("span", { class: "hint block" }, SCOPE_DESCRIPTIONS[scope], held ? "" : " (your key lacks this scope, so it cannot give it)")),
    );
    return { scope, box, label };
  });
  const fieldset = h("fieldset", { class: "scope-choices" }, h("legend", null, "Scopes"), boxes.map((b) => b.label));
  return { fieldset, chosen: () => boxes.filter((b) => b.box.checked).map((b) => b.scope) };
}

export function keysView(main: HTMLElement, signal: AbortSignal): void {
  setTitle("API keys");

  // Create form.
  const name = h("input", { type: "text", name: "name", required: true, autocomplete: "off", spellcheck: "false", placeholder: "Reporting script" });
  const expires = h("input", { type: "datetime-local", name: "expires_at" });
  const scopes = scopeChoices();
  const error = formError(name, expires);
  const createButton = h("button", { type: "submit" }, "Create key");
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("Name", name, "Who or what uses the key, to tell keys apart."),
    scopes.fieldset,
    field("Expires (optional)", expires, "In your time zone. Without it, the key works until it is revoked."),
    error.el,
    h("div", { class: "actions" }, createButton),
  );
  const secretSlot = h("div");

  // List.
  const tbody = h("tbody");
  const table = h(
    "table",
    { class: "stack-table keys-table" },
    h("caption", { class: "sr-only" }, "API keys, newest first"),
    h("thead", null, h("tr", null, ["Name", "Prefix", "Scopes", "Created", "Last used", "Expires"].map((c) => h("th", { scope: "col" }, c)), h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Revoke")))),
    tbody,
  );
  const listStatus = h("p", { class: "muted" }, "Loading keys…");
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Show more");
  table.hidden = true;
  let cursor: string | null = null;

  const showEmpty = () => {
    const empty = tbody.rows.length === 0;
    table.hidden = empty;
    listStatus.hidden = !empty;
    listStatus.textContent = "No keys.";
  };

  function revoke(key: ApiKey, row: HTMLTableRowElement): void {
    const signedInWith = key.id === currentKey()?.id;
    confirmDialog({
      title: `Revoke “${key.name}”?`,
      message: `Requests with this key (${key.prefix}…) are refused from now on. This cannot be undone.${signedInWith ? " It is the key you are signed in with: you will be signed out." : ""}`,
      confirm: "Yes, revoke",
      action: async () => {
        await send<void>("DELETE", `/v1/keys/${enc(key.id)}`, undefined, { signal, fields: FIELDS });
        if (signedInWith) {
          // The next page asks for the key again, which is refused now: that signs out.
          forgetCurrentKey();
          go(href.keys);
          return;
        }
        row.remove();
        showEmpty();
        showNotice(`Key “${key.name}” revoked.`);
      },
    });
  }

  async function loadPage(): Promise<void> {
    try {
      const page = await getJson<Page<ApiKey>>(`/v1/keys?limit=${PAGE_SIZE}${cursor ? `&cursor=${enc(cursor)}` : ""}`, { signal });
      tbody.append(...page.data.map((key) => keyRow(key, revoke)));
      cursor = page.pagination.has_more ? page.pagination.next_cursor : null;
      more.hidden = cursor === null;
      showEmpty();
    } catch (err) {
      if (signal.aborted) return;
      if (tbody.rows.length === 0) listStatus.textContent = "The keys could not be loaded.";
      showError(err);
    }
  }
  more.addEventListener("click", () => void busy(more, loadPage));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.clear();
    const body: { name: string; scopes: Scope[]; expires_at?: string } = { name: name.value.trim(), scopes: scopes.chosen() };
    const refuse = (message: string, input: HTMLInputElement | null) => {
      error.show(message, input);
      (input ?? scopes.fieldset.querySelector<HTMLInputElement>("input:enabled"))?.focus();
    };
    if (!body.name) return refuse("Give the key a name.", name);
    if (!body.scopes.length) return refuse("Choose at least one scope.", null);
    if (expires.value) {
      // The browser's local time, as the API takes it: an ISO time in UTC.
      const at = new Date(expires.value);
      if (Number.isNaN(at.getTime())) return refuse("The expiry is not a date and time.", expires);
      body.expires_at = at.toISOString();
    }
    void busy(createButton, async () => {
      try {
        const { data } = await send<Envelope<CreatedApiKey>>("POST", "/v1/keys", body, { signal, fields: FIELDS });
        tbody.prepend(keyRow(data, revoke));
        showEmpty();
        form.reset();
        fill(secretSlot, newKeyPanel(data));
        showNotice(`Key “${data.name}” created.`);
        secretSlot.querySelector<HTMLElement>("h2")?.focus();
      } catch (err) {
        if (signal.aborted) return;
        showError(err);
        const field = err instanceof ApiError ? err.field : null;
        const invalid = field === "name" ? name : field === "expires_at" ? expires : null;
        error.mark(invalid);
        (invalid ?? name).focus();
      }
    });
  });

  main.replaceChildren(
    h("h1", { tabindex: -1 }, "API keys"),
    h("p", null, "Each key may do only what its scopes allow. Give every script or person a key of their own, with the scopes it needs, and revoke it when it is no longer used."),
    h("section", { class: "card", "aria-labelledby": "create-key-heading" }, h("h2", { id: "create-key-heading" }, "Create a key"), form),
    secretSlot,
    h("section", { class: "card", "aria-labelledby": "keys-heading" }, h("h2", { id: "keys-heading" }, "Keys"), listStatus, h("div", { class: "table-wrap" }, table), more),
  );
  void loadPage();
}
