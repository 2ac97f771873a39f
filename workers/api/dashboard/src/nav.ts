// Hash routes: #/codes (#/codes?tag=<tag> for the codes carrying a tag), #/codes/<id>, #/tags,
// #/tags/<tag> (a campaign's analytics), #/domains, #/webhooks, #/webhooks/<id>, #/workspace,
// #/keys. The pages with analytics (a code, a tag, the workspace) keep what their analytics show
// in the query (analytics-query.ts).
import { ANALYTICS_QUERY_KEYS } from "./analytics-query.ts";

export type Route =
  | { name: "codes"; tag?: string }
  | { name: "code"; id: string }
  | { name: "tags" }
  | { name: "tag"; tag: string }
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
  /** A tag's analytics: its codes together, as one campaign. */
  tag: (tag: string) => `#/tags/${encodeURIComponent(tag)}`,
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
  // The codes list takes the tag it is filtered by; the pages with analytics, what they show.
  const params = new URLSearchParams(query ?? "");
  const analytics = (section === "codes" && id) || (section === "tags" && id) || (section === "workspace" && !id);
  const allowedKeys: readonly string[] = analytics ? ANALYTICS_QUERY_KEYS : section === "codes" ? ["tag"] : [];
  if (query !== undefined && [...params.keys()].some((k) => !allowedKeys.includes(k))) return null;
  if (section === "codes") {
    if (id) return { name: "code", id };
    const tag = params.get("tag");
    return tag ? { name: "codes", tag } : { name: "codes" };
  }
  if (section === "tags") return id ? { name: "tag", tag: id } : { name: "tags" };
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
