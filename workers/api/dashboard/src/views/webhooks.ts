// Webhook subscriptions: the list, adding one (its secret shown once), enabling, disabling,
// test events, and each subscription's delivery log.
import { can } from "../access.ts";
import { ApiError, enc, getJson, send } from "../api.ts";
import { showError, showNotice } from "../alerts.ts";
import { busy, field, fill, formatClock, formatDateTime, formError, h, setTitle, time } from "../dom.ts";
import { copyControl } from "../files.ts";
import { go, href } from "../nav.ts";
import { poll } from "../poll.ts";
import { EVENT_TYPES } from "@qr3/schema/webhook-facts";
import { API_LIMITS } from "@qr3/schema/api/limits";
import type { Attempt, CreatedWebhook, Delivery, Envelope, Page, Webhook } from "@qr3/schema/api";
import { confirmDialog } from "./confirm.ts";
import { badge, setBadge } from "./status.ts";

const EVENTS = [...EVENT_TYPES];
const REASONS: Record<string, string> = {
  manual: "you disabled it",
  failing: "every delivery failed for 5 days",
  endpoint_gone: "the endpoint answered 410 Gone",
};

function reasonText(webhook: Webhook): string {
  if (webhook.status !== "disabled") return "";
  const reason = webhook.disabled_reason;
  return reason ? `Disabled because ${REASONS[reason] ?? reason} (${reason}).` : "Disabled.";
}

/** Status badge, reason, and the Disable/Enable and Send test event buttons of a webhook. */
function webhookControls(initial: Webhook, signal: AbortSignal, onChange?: (w: Webhook) => void) {
  let webhook = initial;
  const statusBadge = badge(webhook.status);
  const reason = h("span", { class: "muted" }, reasonText(webhook));
  const result = h("p", { class: "small", role: "status" });
  const test = h("button", { type: "button", class: "secondary" }, "Send test event");
  const toggle = h("button", { type: "button", class: "secondary" }, webhook.status === "enabled" ? "Disable" : "Enable");

  test.addEventListener("click", () =>
    void busy(test, async () => {
      result.textContent = "";
      try {
        await send<Envelope<Delivery>>("POST", `/v1/webhooks/${enc(webhook.id)}/test`, undefined, { signal });
        result.textContent = "Test event sent. It shows in the delivery log within seconds.";
        onChange?.(webhook);
      } catch (err) {
        if (!signal.aborted) showError(err);
      }
    }),
  );
  toggle.addEventListener("click", () =>
    void busy(toggle, async () => {
      const status = webhook.status === "enabled" ? "disabled" : "enabled";
      try {
        const { data } = await send<Envelope<Webhook>>("PATCH", `/v1/webhooks/${enc(webhook.id)}`, { status }, { signal });
        webhook = data;
        setBadge(statusBadge, data.status);
        reason.textContent = reasonText(data);
        toggle.textContent = data.status === "enabled" ? "Disable" : "Enable";
        result.textContent = data.status === "enabled" ? "Enabled: new events are delivered again." : "Disabled: no events are delivered until you enable it.";
        onChange?.(data);
      } catch (err) {
        if (!signal.aborted) showError(err);
      }
    }),
  );
  return { status: h("p", { class: "summary" }, statusBadge, " ", reason), test, toggle, result };
}

/**
 * A secret shown this once: a new webhook's, or a rotated one's (`previousUntil`: until when the
 * previous secret also signs).
 */
function secretPanel(webhook: Webhook, secret: string, previousUntil?: string): HTMLElement {
  const value = h("code", { class: "secret", "aria-label": "Signing secret" }, secret);
  const copy = copyControl("Copy secret", () => secret, () => getSelection()?.selectAllChildren(value));
  const signed = previousUntil
    ? [" are now signed with this secret (Standard Webhooks), and until ", time(previousUntil), " also with the previous one, so your endpoint can switch over without missing an event."]
    : [" are signed with this secret (Standard Webhooks)."];
  const panel = h(
    "section",
    { class: "card secret-panel", "aria-labelledby": "secret-heading" },
    h("h2", { id: "secret-heading" }, previousUntil ? "New secret of this webhook" : "Secret of the new webhook"),
    h("p", null, "Requests to ", h("span", { class: "wrap" }, webhook.url), ...signed, " Copy it now: ", h("strong", null, "you will not see it again.")),
    value,
    h("div", { class: "actions" }, copy.button, h("button", { type: "button", class: "secondary", onclick: () => panel.remove() }, "Done")),
    copy.status,
  );
  return panel;
}

function webhookItem(webhook: Webhook, signal: AbortSignal): HTMLLIElement {
  const controls = webhookControls(webhook, signal);
  return h(
    "li",
    { class: "card webhook" },
    h("h3", { class: "wrap" }, webhook.url),
    controls.status,
    h("p", { class: "muted small" }, `Events: ${webhook.events.join(", ")} · added `, time(webhook.created_at)),
    h("div", { class: "actions" }, can("webhooks:write") ? [controls.test, controls.toggle] : null, h("a", { href: href.webhook(webhook.id), class: "button-link" }, "Deliveries")),
    controls.result,
  );
}

export function webhooksView(main: HTMLElement, signal: AbortSignal): void {
  setTitle("Webhooks");
  const urlInput = h("input", { type: "url", name: "url", required: true, placeholder: "https://example.com/webhooks/qr3", autocomplete: "url", spellcheck: "false" });
  const error = formError(urlInput);
  const add = h("button", { type: "submit" }, "Add webhook");
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("Endpoint URL", urlInput, "An https URL on a public host. It receives a signed POST for every scan (qr.scanned)."),
    error.el,
    h("div", { class: "actions" }, add),
  );
  const secretSlot = h("div");
  const list = h("ul", { class: "webhook-list" });
  const listStatus = h("p", { class: "muted" }, "Loading webhooks…");
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Show more");
  let cursor: string | null = null;

  const showEmpty = () => {
    listStatus.hidden = list.children.length > 0;
    listStatus.textContent = "No webhooks yet.";
  };

  async function loadPage(): Promise<void> {
    try {
      const page = await getJson<Page<Webhook>>(`/v1/webhooks?limit=${API_LIMITS.page_size.max}${cursor ? `&cursor=${enc(cursor)}` : ""}`, { signal });
      list.append(...page.data.map((w) => webhookItem(w, signal)));
      cursor = page.pagination.has_more ? page.pagination.next_cursor : null;
      more.hidden = cursor === null;
      showEmpty();
    } catch (err) {
      if (signal.aborted) return;
      if (list.children.length === 0) listStatus.textContent = "The webhooks could not be loaded.";
      showError(err);
    }
  }
  more.addEventListener("click", () => void busy(more, loadPage));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.clear();
    void busy(add, async () => {
      try {
        const { data } = await send<Envelope<CreatedWebhook>>("POST", "/v1/webhooks", { url: urlInput.value.trim(), events: EVENTS }, { signal, fields: { url: "endpoint URL" } });
        list.prepend(webhookItem(data, signal));
        showEmpty();
        form.reset();
        fill(secretSlot, data.secret ? secretPanel(data, data.secret) : null);
        showNotice(`Webhook added for ${data.url}.`);
        secretSlot.querySelector<HTMLElement>("h2")?.setAttribute("tabindex", "-1");
        secretSlot.querySelector<HTMLElement>("h2")?.focus();
      } catch (err) {
        if (signal.aborted) return;
        showError(err);
        error.mark(err instanceof ApiError && err.field === "url" ? urlInput : null);
        urlInput.focus();
      }
    });
  });

  main.replaceChildren(
    h("h1", { tabindex: -1 }, "Webhooks"),
    h("p", null, "qr3 sends a signed POST to these endpoints for every scan, as it happens, and retries failed deliveries for about a day."),
    // Changing webhooks is for a key that may.
    ...(can("webhooks:write") ? [h("section", { class: "card", "aria-labelledby": "add-webhook-heading" }, h("h2", { id: "add-webhook-heading" }, "Add a webhook"), form)] : []),
    secretSlot,
    h("section", { "aria-labelledby": "endpoints-heading" }, h("h2", { id: "endpoints-heading" }, "Endpoints"), listStatus, list, more),
  );
  void loadPage();
}

function attemptRow(a: Attempt): HTMLTableRowElement {
  return h(
    "tr",
    null,
    h("td", { "data-label": "Attempt" }, String(a.attempt)),
    h("td", { "data-label": "HTTP status" }, a.response_status === null ? "No response" : `HTTP ${a.response_status}`),
    h("td", { "data-label": "Error", class: "wrap" }, a.error ?? "–"),
    h("td", { "data-label": "Duration" }, a.duration_ms === null ? "–" : `${a.duration_ms} ms`),
    h("td", { "data-label": "Time" }, time(a.started_at)),
  );
}

/** What happened to a delivery, in words: "delivered (HTTP 200) after 1 attempt". */
function outcome(d: Delivery): string {
  const attempts = `${d.attempt_count} ${d.attempt_count === 1 ? "attempt" : "attempts"}`;
  const last = d.response_status !== null ? `HTTP ${d.response_status}` : d.error ?? "no response";
  if (d.state === "succeeded") return `delivered (${last}) after ${attempts}`;
  if (d.state === "failed") return `not delivered: gave up after ${attempts} (last: ${last})`;
  if (d.attempt_count === 0) return "on its way";
  return `not delivered yet: ${attempts} so far (last: ${last})${d.next_attempt_at ? `, next attempt ${formatDateTime(d.next_attempt_at)}` : ""}`;
}

function deliveryItem(d: Delivery, redeliver: (d: Delivery, button: HTMLButtonElement) => void): HTMLLIElement {
  const facts = [outcome(d), d.redelivery_of ? `redelivery of ${d.redelivery_of}` : null].filter((f): f is string => f !== null);
  const redeliverButton = h("button", { type: "button", class: "secondary small-button" }, "Redeliver");
  redeliverButton.addEventListener("click", () => redeliver(d, redeliverButton));
  return h(
    "li",
    { class: "card delivery" },
    h("div", { class: "delivery-head" }, badge(d.state), " ", h("code", { class: "event-type" }, d.event_type), " ", h("span", { class: "muted small" }, time(d.created_at))),
    h("p", { class: "muted small" }, facts.join(" · "), " · event ", h("code", null, d.event_id)),
    d.attempts.length === 0
      ? h("p", { class: "small" }, "No attempt yet.")
      : h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "stack-table attempts" },
            h("caption", { class: "sr-only" }, `Attempts of delivery ${d.id}`),
            h("thead", null, h("tr", null, ["Attempt", "HTTP status", "Error", "Duration", "Time"].map((c) => h("th", { scope: "col" }, c)))),
            h("tbody", null, d.attempts.map(attemptRow)),
          ),
        ),
    d.state === "pending" || !can("webhooks:write") ? null : h("div", { class: "actions" }, redeliverButton),
  );
}

/** One webhook and its delivery log, newest first. */
export function webhookView(main: HTMLElement, signal: AbortSignal, id: string): void {
  setTitle("Delivery log");
  const heading = h("h1", { tabindex: -1 }, "Delivery log");
  const intro = h("p", { class: "muted" }, "Loading…");
  const log = h("ol", { class: "delivery-list" });
  const logStatus = h("p", { class: "muted" }, "Loading deliveries…");
  const updated = h("span", { class: "muted small" });
  const refresh = h("button", { type: "button", class: "secondary" }, "Refresh");
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Show older");
  const controlsSlot = h("div");
  const secretSlot = h("div");
  let cursor: string | null = null;
  let loaded: Delivery[] = [];

  function showLog(deliveries: Delivery[]): void {
    loaded = deliveries;
    fill(log, deliveries.map((d) => deliveryItem(d, redeliver)));
    logStatus.hidden = deliveries.length > 0;
    logStatus.textContent = "No deliveries yet. Send a test event to try the endpoint.";
  }

  // Reloads the newest page (what is already shown beyond it stays until the next full reload).
  let latest = 0;
  async function reload(byUser: boolean): Promise<void> {
    const run = ++latest;
    try {
      const page = await getJson<Page<Delivery>>(`/v1/webhooks/${enc(id)}/deliveries?limit=20`, { signal });
      if (run !== latest || signal.aborted) return;
      const older = loaded.slice(20).filter((d) => !page.data.some((p) => p.id === d.id));
      showLog([...page.data, ...older]);
      if (older.length === 0) {
        cursor = page.pagination.has_more ? page.pagination.next_cursor : null;
        more.hidden = cursor === null;
      }
      updated.textContent = `Updated ${formatClock(new Date())}`;
    } catch (err) {
      if (run !== latest || signal.aborted) return;
      if (byUser) showError(err);
      updated.textContent = `Update failed at ${formatClock(new Date())}.`;
      if (loaded.length === 0) logStatus.textContent = "The deliveries could not be loaded.";
    }
  }

  async function loadOlder(): Promise<void> {
    if (!cursor) return;
    try {
      const page = await getJson<Page<Delivery>>(`/v1/webhooks/${enc(id)}/deliveries?limit=20&cursor=${enc(cursor)}`, { signal });
      showLog([...loaded, ...page.data.filter((d) => !loaded.some((l) => l.id === d.id))]);
      cursor = page.pagination.has_more ? page.pagination.next_cursor : null;
      more.hidden = cursor === null;
    } catch (err) {
      if (!signal.aborted) showError(err);
    }
  }

  function redeliver(d: Delivery, button: HTMLButtonElement): void {
    void busy(button, async () => {
      try {
        await send<Envelope<Delivery>>("POST", `/v1/webhooks/${enc(id)}/deliveries/${enc(d.id)}/redeliver`, undefined, { signal });
        showNotice(`Event ${d.event_id} is being delivered again.`);
        await reload(true);
      } catch (err) {
        if (!signal.aborted) showError(err);
      }
    });
  }

  refresh.addEventListener("click", () => void busy(refresh, () => reload(true)));
  more.addEventListener("click", () => void busy(more, loadOlder));

  main.replaceChildren(
    heading,
    intro,
    controlsSlot,
    secretSlot,
    h(
      "section",
      { "aria-labelledby": "log-heading" },
      h("div", { class: "section-head" }, h("h2", { id: "log-heading" }, "Deliveries"), h("div", { class: "actions" }, refresh, updated)),
      logStatus,
      log,
      more,
    ),
  );

  getJson<Envelope<Webhook>>(`/v1/webhooks/${enc(id)}`, { signal })
    .then(({ data }) => {
      const controls = webhookControls(data, signal, () => void reload(false));
      const rotate = h("button", { type: "button", class: "secondary" }, "Rotate secret");
      rotate.addEventListener("click", () =>
        confirmDialog({
          title: "Rotate the signing secret?",
          message: "A new secret signs every request from now on. For 24 hours requests also carry a signature made with the current secret, so your endpoint can switch over without missing an event.",
          confirm: "Yes, rotate",
          action: async () => {
            const { data: rotated } = await send<Envelope<Webhook & { secret: string; previous_secret_expires_at: string }>>(
              "POST",
              `/v1/webhooks/${enc(id)}/rotate-secret`,
              undefined,
              { signal },
            );
            fill(secretSlot, secretPanel(rotated, rotated.secret, rotated.previous_secret_expires_at));
          },
        }),
      );
      const remove = h("button", { type: "button", class: "danger" }, "Delete");
      remove.addEventListener("click", () =>
        confirmDialog({
          title: "Delete this webhook?",
          message: `${data.url} stops receiving events, and its delivery log is deleted. This cannot be undone.`,
          confirm: "Yes, delete",
          action: async () => {
            await send<void>("DELETE", `/v1/webhooks/${enc(id)}`, undefined, { signal });
            go(href.webhooks, { notice: `Webhook for ${data.url} deleted.`, replace: true });
          },
        }),
      );
      fill(intro, "Endpoint ", h("span", { class: "wrap strong" }, data.url), ` · events: ${data.events.join(", ")}`);
      fill(controlsSlot, controls.status, can("webhooks:write") ? h("div", { class: "actions" }, controls.test, controls.toggle, rotate, remove) : null, controls.result);
    })
    .catch((err) => {
      if (signal.aborted) return;
      if (err instanceof ApiError && err.status === 404) {
        heading.textContent = "Webhook not found";
        fill(intro, "This webhook does not exist in your workspace; it may have been deleted. ", h("a", { href: href.webhooks }, "Back to the list"), ".");
      } else {
        intro.textContent = "The webhook could not be loaded.";
      }
      showError(err);
    });

  void reload(true);
  // Deliveries still on their way change state within seconds: keep the log fresh meanwhile.
  poll(5_000, async () => {
    if (loaded.some((d) => d.state === "pending")) await reload(false);
  }, signal);
}
