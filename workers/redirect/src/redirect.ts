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

  ctx.waitUntil(recordScan(request, env, link, shortCode, now));
  return new Response(null, {
    status: 302,
    headers: { location: link.url, "cache-control": "private, no-store" },
  });
}

// Runs after the response is sent. A failure here must never reach the visitor, and the log line
// names the scan and the error only: never the IP.
async function recordScan(request: Request, env: Env, link: LinkRecord, shortCode: string, now: number) {
  let scanId = "";
  try {
    const ip = request.headers.get("cf-connecting-ip");
    salts ??= new DailySalt(env.SALTS);
    const ipHash = ip ? await hashIp(ip, await salts.get(now)) : null;
    const message = buildScanMessage(request, link, shortCode, now, ipHash);
    scanId = message.scan_id;
    await sendScan(env.SCANS, message);
  } catch (err) {
    console.error(JSON.stringify({ event: "scan_enqueue_failed", scan_id: scanId, error: String(err) }));
  }
}
