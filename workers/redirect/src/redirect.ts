import { DailySalt, hashIp, isOwnHost, isShortCode, linkAddress, WorkspaceSalts } from "@qr3/core";
import type { ScanMessage } from "@qr3/schema";
import { cachedLink, readLink } from "./link-cache.ts";
import type { ActiveLink, Link } from "./link-record.ts";
import { goneResponse, notFoundResponse } from "./pages.ts";
import { buildScanMessage, readScan, type Scan } from "./scan-message.ts";
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
function answer(request: Request, env: Env, ctx: ExecutionContext, link: Link, now: number): Response {
  if (link === null) return notFoundResponse(request);
  if (link === "disabled") return goneResponse(request);
  const response = new Response(null, {
    status: 302,
    headers: { location: link.location, "cache-control": "private, no-store" },
  });
  recordScan(request, env, ctx, link, now);
  return response;
}

// Records the scan without holding up the answer: its facts join the batch being filled, and
// only a request that sends a batch keeps working after its response, through waitUntil. A
// failure here never reaches the visitor, and the log line names the scans and the error only:
// never the IP.
function recordScan(request: Request, env: Env, ctx: ExecutionContext, link: ActiveLink, now: number): void {
  try {
    const send = sendScan(env.SCANS, readScan(request, link, now), Number(env.SCAN_BATCH_MS), (scans) => buildMessages(env, scans));
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
    const ipHash = scan.ip ? hashIp(scan.ip, workspaceSalts.get(daySalt, scan.link.workspace_id)) : null;
    messages.push(buildScanMessage(scan, ipHash));
  }
  return messages;
}

/** `send` is null when the scan could not even join a batch. */
function logFailure(send: Send | null, err: unknown): void {
  const failed = { event: "scan_enqueue_failed", scans: send?.scans.length ?? 1, scan_ids: send?.scans.map((s) => s.id) ?? [] };
  console.error(JSON.stringify({ ...failed, error: String(err) }));
}
