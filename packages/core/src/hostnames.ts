// What a branded domain's hostname may be, and how a code on it is addressed. Free of imports, so
// that the dashboard may use it too.

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Why a hostname cannot be a branded domain, or null when it can: a DNS name of at least two
 * labels (letters, digits and "-", punycode for others), not an IP literal, not localhost, and
 * not `ownHost` (our own short domain) or under it. `hostname` is expected lower-cased.
 */
export function hostnameProblem(hostname: string, ownHost: string): string | null {
  if (hostname.length > 253) return "must be at most 253 characters";
  if (hostname.includes(":") || hostname.startsWith("[") || IPV4.test(hostname)) return "must be a DNS name, not an IP address";
  const labels = hostname.split(".");
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return "must be a valid DNS name such as go.example.com";
  if (/^\d+$/.test(labels.at(-1)!)) return "must be a valid DNS name such as go.example.com";
  if (hostname === "localhost" || hostname.endsWith(".localhost")) return "must not be localhost";
  const own = ownHost.toLowerCase();
  if (hostname === own || hostname.endsWith(`.${own}`)) return "is our own domain";
  return null;
}

/**
 * Whether a request's host is one of ours rather than a branded domain: our short domain, and
 * for local development localhost and IP literals (which no branded domain can be).
 */
export function isOwnHost(hostname: string, ownHost: string): boolean {
  return hostname === ownHost || hostname === "localhost" || IPV4.test(hostname) || hostname.startsWith("[");
}

/**
 * A code's address: the key of its directory row and of its KV record. A code on our own domain
 * is addressed by its short code alone; one on a branded domain by `hostname/short_code`, so that
 * one short code can be used once per domain ("/" is in neither a hostname nor a short code).
 */
export function linkAddress(domain: string | null, shortCode: string): string {
  return domain === null ? shortCode : `${domain}/${shortCode}`;
}

/** The domain (null for our own) and short code of an address. */
export function splitAddress(address: string): { domain: string | null; short_code: string } {
  const slash = address.indexOf("/");
  return slash < 0 ? { domain: null, short_code: address } : { domain: address.slice(0, slash), short_code: address.slice(slash + 1) };
}
