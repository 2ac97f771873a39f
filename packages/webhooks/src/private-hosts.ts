// Host names that say nothing of where they resolve but may well resolve to a private address, so
// that a webhook sent there could reach a network that is not its owner's to reach.

/**
 * Public DNS services whose names resolve to whatever address they spell (10.0.0.1.nip.io,
 * 10-0-0-1.sslip.io, 7f000001.c0a80001.rbndr.us, which alternates between two) or always to
 * 127.0.0.1 (localtest.me, lvh.me and every name under them). Refused with all their names, as
 * their encodings go beyond what hostHoldsPrivateIpv4 reads.
 */
export const WILDCARD_DNS_DOMAINS = [
  "nip.io",
  "sslip.io",
  "xip.io",
  "xip.name",
  "traefik.me",
  "rbndr.us",
  "1u.ms",
  "localtest.me",
  "lvh.me",
  "vcap.me",
  "lacolhost.com",
  "fuf.me",
  "yoogle.com",
  "localho.st",
  "smackaho.st",
  "localhost.direct",
  "local.gd",
] as const;

export const isWildcardDnsName = (host: string) => WILDCARD_DNS_DOMAINS.some((d) => host === d || host.endsWith(`.${d}`));

// The IPv4 ranges that are not the public Internet (IANA's special-purpose registry): "this
// network", private, shared (carrier-grade NAT), loopback, link-local (cloud metadata),
// IETF protocol assignments, documentation, 6to4 relay, benchmarking, multicast and reserved.
const PRIVATE_IPV4_RANGES = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const;

const toInt = (octets: readonly number[]) => octets.reduce((n, o) => n * 256 + o, 0);
const RANGES = PRIVATE_IPV4_RANGES.map(([base, bits]) => ({ base: toInt(base.split(".").map(Number)), size: 2 ** (32 - bits) }));

export const isPrivateIpv4 = (address: number) => RANGES.some((r) => address >= r.base && address < r.base + r.size);

const isOctet = (token: string) => /^\d{1,3}$/.test(token) && Number(token) <= 255;

/**
 * Whether the name spells a private IPv4 address in one of the ways wildcard DNS services read
 * one: four decimal labels or dash-separated parts in a row (10.0.0.1.example.net,
 * app-10-0-0-1.example.net), or eight hex digits (0a000001.example.net).
 */
export function hostHoldsPrivateIpv4(host: string): boolean {
  const tokens = host.split(/[.-]/);
  for (let i = 0; i < tokens.length; i++) {
    const four = tokens.slice(i, i + 4);
    if (four.length === 4 && four.every(isOctet) && isPrivateIpv4(toInt(four.map(Number)))) return true;
    if (/^[0-9a-f]{8}$/.test(tokens[i]!) && isPrivateIpv4(Number.parseInt(tokens[i]!, 16))) return true;
  }
  return false;
}
