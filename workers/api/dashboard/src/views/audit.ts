// The audit log as the dashboard shows it (GET /v1/audit-log): each change with its time, what it
// was, the key that made it and the fields it changed, before → after. The code page shows a
// code's entries, the workspace page every entry the key may read.
import { enc, getJson } from "../api.ts";
import { showError } from "../alerts.ts";
import { busy, fill, h, time } from "../dom.ts";
import { href } from "../nav.ts";
import type { AuditAction, AuditEntry, Page } from "@qr3/schema/api";
import { AUDIT_RETENTION_DAYS } from "@qr3/schema/api/scopes";

const PAGE_SIZE = 20;

const ACTION_WORDS: Record<AuditAction, string> = {
  "code.created": "Code created",
  "code.updated": "Code changed",
  "code.deleted": "Code deleted",
  "webhook.created": "Webhook added",
  "webhook.updated": "Webhook changed",
  "webhook.deleted": "Webhook deleted",
  "webhook.secret_rotated": "Signing secret rotated",
  "webhook.tested": "Test event sent",
  "webhook.redelivered": "Delivery sent again",
  "api_key.created": "API key created",
  "api_key.revoked": "API key revoked",
  "domain.created": "Domain added",
  "domain.verified": "Domain verified",
  "domain.deleted": "Domain removed",
};

// What a create or delete entry leaves out: the resource's name and bookkeeping, not what it holds.
const QUIET = new Set(["id", "created_at", "updated_at", "total_scans"]);

const shown = (value: unknown): string => {
  if (value === null || value === undefined) return "none";
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(shown).join(", ");
  return JSON.stringify(value);
};

const fieldName = (name: string) => name.replace(/_/g, " ");

/** The fields an entry changed: before → after for an update, the values of a create or delete. */
function changes(entry: AuditEntry): HTMLElement | null {
  const { before, after } = entry;
  if (before && after) {
    const names = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    if (names.length === 0) return h("p", { class: "muted small" }, "Nothing it shows changed.");
    return h(
      "dl",
      { class: "audit-changes" },
      names.map((name) =>
        h(
          "div",
          null,
          h("dt", null, fieldName(name)),
          h(
            "dd",
            null,
            h("span", { class: "audit-before" }, shown(before[name])),
            h("span", { "aria-hidden": "true" }, " → "),
            h("span", { class: "sr-only" }, " changed to "),
            h("span", { class: "audit-after" }, shown(after[name])),
          ),
        ),
      ),
    );
  }
  const values = after ?? before;
  if (!values) return null;
  const names = Object.keys(values).filter((name) => !QUIET.has(name));
  if (names.length === 0) return null;
  return h(
    "dl",
    { class: `audit-changes${after ? "" : " audit-gone"}` },
    names.map((name) => h("div", null, h("dt", null, fieldName(name)), h("dd", null, shown(values[name])))),
  );
}

/** Where an entry's resource is shown, if the dashboard has a page for it. */
function resourceLink(entry: AuditEntry): HTMLElement {
  const label = h("code", null, entry.resource_id);
  if (entry.action.endsWith(".deleted")) return label;
  if (entry.resource_type === "code") return h("a", { href: href.code(entry.resource_id) }, label);
  if (entry.resource_type === "webhook") return h("a", { href: href.webhook(entry.resource_id) }, label);
  if (entry.resource_type === "domain") return h("a", { href: href.domains }, label);
  return label;
}

function entryItem(entry: AuditEntry, withResource: boolean): HTMLLIElement {
  const key = entry.api_key_name || entry.api_key_id;
  return h(
    "li",
    { class: "audit-entry" },
    h(
      "div",
      { class: "audit-head" },
      time(entry.created_at),
      h("span", { class: "audit-action" }, ACTION_WORDS[entry.action] ?? entry.action),
      withResource ? resourceLink(entry) : null,
      h("span", { class: "muted small" }, "by ", h("span", { class: "audit-key" }, key)),
    ),
    changes(entry),
  );
}

export interface AuditLogOptions {
  signal: AbortSignal;
  /** Only the entries of this resource (a code's page); every entry otherwise. */
  resourceId?: string;
}

/** A card with the audit log, newest first, and "Show older" while there are more. */
export function auditLog(options: AuditLogOptions): { element: HTMLElement; reload: () => Promise<void> } {
  const { signal, resourceId } = options;
  const list = h("ol", { class: "audit-list" });
  const status = h("p", { class: "muted" }, "Loading the audit log…");
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Show older");
  const headingId = resourceId ? "code-audit-heading" : "audit-heading";
  let cursor: string | null = null;
  let loaded: AuditEntry[] = [];

  const path = (after: string | null) =>
    `/v1/audit-log?limit=${PAGE_SIZE}${resourceId ? `&resource_id=${enc(resourceId)}` : ""}${after ? `&cursor=${enc(after)}` : ""}`;

  function show(entries: AuditEntry[], next: string | null): void {
    loaded = entries;
    cursor = next;
    fill(list, entries.map((e) => entryItem(e, !resourceId)));
    status.hidden = entries.length > 0;
    status.textContent = `No changes in the last ${AUDIT_RETENTION_DAYS} days.`;
    more.hidden = cursor === null;
  }

  const nextOf = (page: Page<AuditEntry>) => (page.pagination.has_more ? page.pagination.next_cursor : null);

  // The newest page again, after a change made on this page; older pages shown stay.
  let latest = 0;
  async function reload(): Promise<void> {
    const run = ++latest;
    try {
      const page = await getJson<Page<AuditEntry>>(path(null), { signal });
      if (run !== latest || signal.aborted) return;
      const older = loaded.slice(PAGE_SIZE).filter((e) => !page.data.some((p) => p.id === e.id));
      show([...page.data, ...older], older.length ? cursor : nextOf(page));
    } catch (err) {
      if (run !== latest || signal.aborted) return;
      if (loaded.length === 0) status.textContent = "The audit log could not be loaded.";
      showError(err);
    }
  }

  async function loadOlder(): Promise<void> {
    if (!cursor) return;
    try {
      const page = await getJson<Page<AuditEntry>>(path(cursor), { signal });
      show([...loaded, ...page.data.filter((e) => !loaded.some((l) => l.id === e.id))], nextOf(page));
    } catch (err) {
      if (!signal.aborted) showError(err);
    }
  }

  more.addEventListener("click", () => void busy(more, loadOlder));
  void reload();
  const element = h(
    "section",
    { class: "card", "aria-labelledby": headingId },
    h("h2", { id: headingId }, "Audit log"),
    h("p", { class: "hint" }, `Every change made through the API in the last ${AUDIT_RETENTION_DAYS} days, newest first, with the API key that made it.`),
    status,
    list,
    h("div", { class: "actions" }, more),
  );
  return { element, reload };
}
