import { DailySalt, hashIp, isShortCode, type LinkRecord } from "@qr3/core";
import { cachedLink, readLink } from "./link-cache.ts";
import { goneResponse, notFoundResponse } from "./pages.ts";
import { buildScanMessage } from "./scan-message.ts";
import { sendScan, type Send } from "./scan-sender.ts";

let salts: DailySalt | undefined;

// A scan of a cached code is answered synchronously, with no promise at all: the redirect path is
// the one every printed code takes, and in a Worker every await and waitUntil costs CPU time.
export function handleRedirect(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response("Method Not Allowed", { status: 405, headers: { allow: "GET, HEAD" } });
  }
  const shortCode = new URL(request.url).pathname.slice(1);
  if (!isShortCode(shortCode)) return notFoundResponse(request);

  const now = Date.now();
  const cached = cachedLink(shortCode, now);
  if (cached !== undefined) return answer(request, env, ctx, cached, now);
  return readLink(env.LINKS, shortCode, Number(env.LINK_CACHE_SECONDS), now).then((link) => answer(request, env, ctx, link, now));
}

function answer(request: Request, env: Env, ctx: ExecutionContext, link: LinkRecord | null, now: number): Response {
  if (link === null) return notFoundResponse(request);
  if (link.status !== "active") return goneResponse(request);
  recordScan(request, env, ctx, link, now);
  return new Response(null, {
    status: 302,
    headers: { location: link.url, "cache-control": "private, no-store" },
  });
}

// Records the scan without holding up the answer: the message joins the batch being filled, and
// only a request that sends a batch (or that must first read the day's salt) keeps working after
// its response, through waitUntil. A failure here never reaches the visitor, and the log
// line names the scans and the error only: never the IP.
function recordScan(request: Request, env: Env, ctx: ExecutionContext, link: LinkRecord, now: number): void {
  try {
    salts ??= new DailySalt(env.SALTS);
    const salt = salts.cachedFor(now);
    if (salt === undefined) {
      ctx.waitUntil(
        salts.get(now).then(
          (read) => enqueue(request, env, ctx, link, now, read),
          (err: unknown) => logFailure([], err),
        ),
      );
    } else {
      enqueue(request, env, ctx, link, now, salt);
    }
  } catch (err) {
    logFailure([], err);
  }
}

function enqueue(request: Request, env: Env, ctx: ExecutionContext, link: LinkRecord, now: number, salt: string): void {
  let scanIds: string[] = [];
  try {
    const ip = request.headers.get("cf-connecting-ip");
    const message = buildScanMessage(request, link, now, ip ? hashIp(ip, salt) : null);
    scanIds = [message.scan_id];
    const send = sendScan(env.SCANS, message, Number(env.SCAN_BATCH_MS));
    if (send) ctx.waitUntil(awaitSend(send));
  } catch (err) {
    logFailure(scanIds, err);
  }
}

// The request that sends a batch waits for it, and answers for all of it.
function awaitSend(send: Send): Promise<void> {
  return send.done.catch((err: unknown) => logFailure(send.messages.map((m) => m.scan_id), err));
}

function logFailure(scanIds: string[], err: unknown): void {
  console.error(JSON.stringify({ event: "scan_enqueue_failed", scan_ids: scanIds, error: String(err) }));
}
