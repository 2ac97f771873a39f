// Hash routes: #/codes (#/codes?tag=<tag> for the codes carrying a tag), #/codes/<id>, #/tags,
// #/domains, #/webhooks, #/webhooks/<id>, #/workspace, #/keys.

export type Route =
  | { name: "codes"; tag?: string }
  | { name: "code"; id: string }
  | { name: "tags" }
  | { name: "domains" }
  | { name: "webhooks" }
  | { name: "webhook"; id: string }
  | { name: "workspace" }
  | { name: "keys" };

export const href = {
  codes: "#/codes",
  code: (id: string) => `#/codes/${encodeURIComponent(id)}`,
  /** The codes list, filtered to the codes carrying `tag`. */
  codesTagged: (tag: string) => `#/codes?${new URLSearchParams({ tag })}`,
  tags: "#/tags",
  domains: "#/domains",
  webhooks: "#/webhooks",
  webhook: (id: string) => `#/webhooks/${encodeURIComponent(id)}`,
  workspace: "#/workspace",
  keys: "#/keys",
};

/** The route of a hash; null for anything unknown. */
export function parseRoute(hash: string): Route | null {
  let parts: string[];
  const [path = "", query] = hash.replace(/^#\/?/, "").split("?", 2);
  try {
    parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return null;
  }
  const [section, id, ...rest] = parts;
  if (rest.length) return null;
  // Only the codes list takes a query: the tag it is filtered by.
  const params = new URLSearchParams(query ?? "");
  if (query !== undefined && (section !== "codes" || id || [...params.keys()].some((k) => k !== "tag"))) return null;
  if (section === "codes") {
    if (id) return { name: "code", id };
    const tag = params.get("tag");
    return tag ? { name: "codes", tag } : { name: "codes" };
  }
  if (section === "tags" && !id) return { name: "tags" };
  if (section === "domains" && !id) return { name: "domains" };
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
