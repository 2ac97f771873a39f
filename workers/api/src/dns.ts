import { ApiError } from "./errors.ts";

// TXT lookups over DNS-over-HTTPS in the JSON format (RFC 8484's JSON sibling, as Cloudflare's
// and Google's resolvers answer it): GET <DOH_URL>?name=...&type=TXT with accept:
// application/dns-json. DOH_URL is Cloudflare's resolver in production, a local server in
// development and tests.

const TXT = 16;
const LOOKUP_TIMEOUT_MS = 5000;
// DNS RCODEs: NOERROR and NXDOMAIN are answers; anything else (SERVFAIL, REFUSED) is not.
const NOERROR = 0;
const NXDOMAIN = 3;

/** A resolver's answer, as far as it is trusted: every part is checked before it is read. */
interface DohAnswer {
  Status?: unknown;
  Answer?: unknown;
}

/** A TXT record's data as resolvers write it: one or more quoted strings, joined. */
export function txtValue(data: string): string {
  const strings = [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, "$1"));
  return strings.length > 0 ? strings.join("") : data;
}

const unavailable = (why: string) => new ApiError("DNS_UNAVAILABLE", `The DNS resolver did not answer (${why}); try again in a minute`);

/** The TXT values at `name` (none when it has none or does not exist); DNS_UNAVAILABLE when the resolver fails. */
export async function lookupTxt(dohUrl: string, name: string): Promise<string[]> {
  const url = new URL(dohUrl);
  url.searchParams.set("name", name);
  url.searchParams.set("type", "TXT");
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: "application/dns-json" }, signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
  } catch (err) {
    throw unavailable(err instanceof Error && err.name === "TimeoutError" ? "timed out" : "unreachable");
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw unavailable(`status ${response.status}`);
  }
  let body: DohAnswer | null;
  try {
    body = (await response.json()) as DohAnswer | null;
  } catch {
    throw unavailable("not JSON");
  }
  if (typeof body !== "object" || body === null) throw unavailable("not a DNS answer");
  if (body.Status === NXDOMAIN) return [];
  if (body.Status !== NOERROR) throw unavailable(`DNS status ${String(body.Status)}`);
  const answers: unknown[] = Array.isArray(body.Answer) ? body.Answer : [];
  return answers.flatMap((a) => {
    const { type, data } = (typeof a === "object" && a !== null ? a : {}) as { type?: unknown; data?: unknown };
    return type === TXT && typeof data === "string" ? [txtValue(data)] : [];
  });
}
