// Hash routes: #/codes, #/codes/<id>, #/webhooks, #/webhooks/<id>, #/workspace, #/keys.

export type Route =
  | { name: "codes" }
  | { name: "code"; id: string }
  | { name: "webhooks" }
  | { name: "webhook"; id: string }
  | { name: "workspace" }
  | { name: "keys" };

export const href = {
  codes: "#/codes",
  code: (id: string) => `#/codes/${encodeURIComponent(id)}`,
  webhooks: "#/webhooks",
  webhook: (id: string) => `#/webhooks/${encodeURIComponent(id)}`,
  workspace: "#/workspace",
  keys: "#/keys",
};

/** The route of a hash; null for anything unknown. */
export function parseRoute(hash: string): Route | null {
  let parts: string[];
  try {
    parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return null;
  }
  const [section, id, ...rest] = parts;
  if (rest.length) return null;
  if (section === "codes") return id ? { name: "code", id } : { name: "codes" };
  if (section === "webhooks") return id ? { name: "webhook", id } : { name: "webhooks" };
  if (section === "workspace" && !id) return { name: "workspace" };
  if (section === "keys" && !id) return { name: "keys" };
  return null;
}

let pendingNotice: string | null = null;

/**
 * Goes to `hash`, optionally with a confirmation to show on the next page. `replace` keeps the
 * current page out of the history (e.g. a code that was just deleted).
 */
export function go(hash: string, options: { notice?: string; replace?: boolean } = {}): void {
  pendingNotice = options.notice ?? null;
  if (location.hash === hash) {
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else if (options.replace) {
    location.replace(hash);
  } else {
    location.hash = hash;
  }
}

export function takePendingNotice(): string | null {
  const notice = pendingNotice;
  pendingNotice = null;
  return notice;
}
