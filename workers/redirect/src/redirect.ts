import { DailySalt, hashIp, isShortCode, type LinkRecord } from "@qr3/core";
import { getLink } from "./link-cache.ts";
import { goneResponse, notFoundResponse } from "./pages.ts";
import { buildScanMessage } from "./scan-message.ts";
import { sendScan } from "./scan-sender.ts";

let salts: DailySalt | undefined;

export async function handleRedirect(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response("Method Not Allowed", { status: 405, headers: { allow: "GET, HEAD" } });
  }
  const shortCode = new URL(request.url).pathname.slice(1);
  if (!isShortCode(shortCode)) return notFoundResponse(request);

  const now = Date.now();
  const link = await getLink(env.LINKS, shortCode, Number(env.LINK_CACHE_SECONDS), now);
  if (link === null) return notFoundResponse(request);
  if (link.status !== "active") return goneResponse(request);

  ctx.waitUntil(recordScan(request, env, link, now));
  return new Response(null, {
    status: 302,
    headers: { location: link.url, "cache-control": "private, no-store" },
  });
}

// Runs after the response is sent. A failure here must never reach the visitor, and the log line
// names the scans and the error only: never the IP.
async function recordScan(request: Request, env: Env, link: LinkRecord, now: number) {
  let scanIds: string[] = [];
  try {
    const ip = request.headers.get("cf-connecting-ip");
    salts ??= new DailySalt(env.SALTS);
    const ipHash = ip ? hashIp(ip, salts.cachedFor(now) ?? (await salts.get(now))) : null;
    const message = buildScanMessage(request, link, now, ipHash);
    scanIds = [message.scan_id];
    const batch = sendScan(env.SCANS, message);
    if (batch) {
      // This request opened the batch: it waits for the send, and answers for all of it.
      try {
        await batch.done;
      } catch (err) {
        scanIds = batch.messages.map((m) => m.scan_id);
        throw err;
      }
    }
  } catch (err) {
    console.error(JSON.stringify({ event: "scan_enqueue_failed", scan_ids: scanIds, error: String(err) }));
  }
}
