import { acceptedLanguages, bucketOf, chooseDestination, DailySalt, hashIp, isOwnHost, isShortCode, linkAddress, WorkspaceSalts, type DestinationRules } from "@qr3/core";
import { matchDevice } from "@qr3/ua/match";
import type { ScanMessage } from "@qr3/schema";
import { LIMITS } from "@qr3/schema/limits";
import { cachedLink, readLink } from "./link-cache.ts";
import type { ActiveLink, Link } from "./link-record.ts";
import { goneResponse, notFoundResponse } from "./pages.ts";
import { buildScanMessage, fitText, readScan, type Scan } from "./scan-message.ts";
import { sendScan, type Send } from "./scan-sender.ts";

let salts: DailySalt | undefined;
const workspaceSalts = new WorkspaceSalts();

// A scan of a cached code is answered synchronously, with no promise at all: the redirect path is
// the one every printed code takes, and in a Worker every await and waitUntil costs CPU time.
//
// The record is picked by the request's host and path, with one KV read: /menu on our own host
// (PRIMARY_HOST; locally also localhost and IP literals) is `code:menu`, /menu on the branded
// domain go.example.com is `code:go.example.com/menu`. A branded host never falls back to our own
// domain's record, and a host that holds no such code (one that is no branded domain at all
// included) answers 404 like an unknown code. The URL parser lower-cases the host and drops its
// port.
export function handleRedirect(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response("Method Not Allowed", { status: 405, headers: { allow: "GET, HEAD" } });
  }
  const url = new URL(request.url);
  const shortCode = url.pathname.slice(1);
  if (!isShortCode(shortCode)) return notFoundResponse(request);
  const host = url.hostname;
  const address = isOwnHost(host, env.PRIMARY_HOST) ? shortCode : linkAddress(host, shortCode);

  const now = Date.now();
  const cached = cachedLink(address, now);
  if (cached !== undefined) return answer(request, env, ctx, cached, now);
  return readLink(env.LINKS, address, Number(env.LINK_CACHE_SECONDS), now).then((link) => answer(request, env, ctx, link, now));
}

// The answer is made before the scan is recorded: a scan is recorded only once its redirect exists.
function answer(request: Request, env: Env, ctx: ExecutionContext, link: Link, now: number): Response | Promise<Response> {
  if (link === null) return notFoundResponse(request);
  if (link === "disabled") return goneResponse(request, "disabled");
  if (link.rules !== null) return routed(request, env, ctx, link, link.rules, now);
  const response = redirectTo(link.location);
  recordScan(env, ctx, readScan(request, link, now));
  return response;
}

const redirectTo = (location: string) => new Response(null, { status: 302, headers: { location, "cache-control": "private, no-store" } });

/**
 * A code with redirect settings: the chooser picks the destination from the record and the
 * request alone. Outside its schedule or past its cap with no fallback, the scan gets a 410 page
 * and is not recorded. A variant needs the visitor's bucket of the day, from the IP's hash: on
 * the rare request that finds the day's salt not yet cached, it is read first.
 */
function routed(request: Request, env: Env, ctx: ExecutionContext, link: ActiveLink, rules: DestinationRules, now: number): Response | Promise<Response> {
  let daySalt: string | undefined;
  if (rules.variants) {
    salts ??= new DailySalt(env.SALTS);
    daySalt = salts.cachedFor(now);
    if (daySalt === undefined) return salts.get(now).then(() => routed(request, env, ctx, link, rules, now));
  }
  const scan = readScan(request, link, now);
  const query = request.url.indexOf("?");
  const chosen = chooseDestination(rules, {
    at: now,
    country: scan.country,
    device: () => matchDevice(scan.userAgent),
    languages: () => acceptedLanguages(scan.acceptLanguage),
    query: query < 0 ? "" : request.url.slice(query),
    bucket: () => {
      if (scan.ip === null) return Math.floor(Math.random() * 100);
      scan.ipHash = hashIp(scan.ip, workspaceSalts.get(daySalt!, link.workspace_id));
      return bucketOf(scan.ipHash, link.code_id);
    },
  });
  if (chosen.url === null) return goneResponse(request, chosen.reason.kind);
  const response = redirectTo(chosen.url);
  // Sent to the code's own url, the scan records its stored form, as a plain code's scans do
  // (readScan's default); any other is a Location, printable ASCII, fitted to a message's limit
  // by length alone. A destination is recorded only beside such a Location (MAX_MESSAGE_BYTES).
  if (chosen.base !== chosen.url) scan.destination = fitText(chosen.base!, LIMITS.url);
  if (chosen.url !== link.location || scan.destination !== null) scan.redirectedTo = chosen.url.length <= LIMITS.url ? chosen.url : fitText(chosen.url, LIMITS.url);
  recordScan(env, ctx, scan);
  return response;
}

// Records the scan without holding up the answer: its facts join the batch being filled, and
// only a request that sends a batch keeps working after its response, through waitUntil. A
// failure here never reaches the visitor, and the log line names the scans and the error only:
// never the IP.
function recordScan(env: Env, ctx: ExecutionContext, scan: Scan): void {
  try {
    const send = sendScan(env.SCANS, scan, Number(env.SCAN_BATCH_MS), (scans) => buildMessages(env, scans));
    if (send) ctx.waitUntil(send.done.catch((err: unknown) => logFailure(send, err)));
  } catch (err) {
    logFailure(null, err);
  }
}

/** A batch's messages: each IP hashed with its workspace's salt of its scan's UTC day. */
async function buildMessages(env: Env, scans: Scan[]): Promise<ScanMessage[]> {
  salts ??= new DailySalt(env.SALTS);
  const messages: ScanMessage[] = [];
  for (const scan of scans) {
    const daySalt = salts.cachedFor(scan.now) ?? (await salts.get(scan.now));
    const ipHash = scan.ipHash ?? (scan.ip ? hashIp(scan.ip, workspaceSalts.get(daySalt, scan.link.workspace_id)) : null);
    messages.push(buildScanMessage(scan, ipHash));
  }
  return messages;
}

/** `send` is null when the scan could not even join a batch. */
function logFailure(send: Send | null, err: unknown): void {
  const failed = { event: "scan_enqueue_failed", scans: send?.scans.length ?? 1, scan_ids: send?.scans.map((s) => s.id) ?? [] };
  console.error(JSON.stringify({ ...failed, error: String(err) }));
}
