import { urlCharacterProblem } from "@qr3/schema";
import { hostHoldsPrivateIpv4, isWildcardDnsName } from "./private-hosts.ts";

// Where webhooks may be sent (SSRF). In production only https URLs with public host names: no IP
// literals (a deployed worker cannot fetch them anyway), no localhost, no private or internal
// names, no cloud metadata endpoints, and no name that may resolve to a private address for all we
// can tell from it (wildcard DNS services, names holding a private IPv4 address). Nothing here
// resolves a name: a worker's fetch() does that itself, later. Local development may additionally
// allow http://127.0.0.1 and http://localhost, by an explicit setting in the dev configuration only.

const BLOCKED_SUFFIXES = [".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan", ".intranet", ".corp"];
const BLOCKED_HOSTS = new Set(["localhost", "metadata", "metadata.google.internal", "instance-data", "instance-data.ec2.internal"]);
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost"]);

const isIpv4 = (host: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
const isIpv6 = (host: string) => host.startsWith("[");
// Some resolvers and libraries read "0x7f.1", "2130706433" or "127.1" as IP addresses.
const looksNumeric = (host: string) => /^[0-9.]+$/.test(host) || /^0x[0-9a-f]+(\.|$)/i.test(host);

export interface UrlPolicy {
  allowLoopback: boolean;
}

/** Why `raw` is not an acceptable webhook URL, or null when it is. */
export function webhookUrlProblem(raw: string, policy: UrlPolicy): string | null {
  const characters = urlCharacterProblem(raw);
  if (characters) return characters;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be a valid URL";
  }
  if (url.username || url.password) return "must not contain credentials";
  const host = url.hostname.toLowerCase().replace(/\.$/, "");

  if (policy.allowLoopback && LOOPBACK_HOSTS.has(host) && (url.protocol === "http:" || url.protocol === "https:")) return null;
  if (url.protocol !== "https:") return "must use https";
  if (isIpv4(host) || isIpv6(host) || looksNumeric(host)) return "must use a host name, not an IP address";
  if (!host.includes(".")) return "must use a public host name";
  if (BLOCKED_HOSTS.has(host) || BLOCKED_SUFFIXES.some((s) => host.endsWith(s))) return "must use a public host name";
  if (isWildcardDnsName(host)) return "must use a public host name, not a wildcard DNS name";
  if (hostHoldsPrivateIpv4(host)) return "must use a public host name, not one holding a private IP address";
  return null;
}
