import { isOwnHost } from "@qr3/core/hostnames";
import { devRequest } from "./dev-headers.ts";

// Routes the local origin the way production routes the public domain: the API (/v1/*) and the
// dashboard (/, /assets/*, /favicon.svg) and the API reference (/reference/*) to the API worker,
// the rest to the redirector. A request for any other host than our own (here 127.0.0.1,
// localhost or another IP literal) stands for a customer's branded domain, which serves short
// links only, as in production: it always goes to the redirector, whatever its path, so
//   curl -i -H "Host: go.example.com" http://127.0.0.1:8787/menu
// scans the code "menu" of the branded domain go.example.com. The cron trigger is forwarded to
// the ingest worker, so GET /cdn-cgi/handler/scheduled?cron=...&time=<ms> runs the ingest cron at
// that time.

// No short code can take these paths: "v1", "assets" and "reference" are reserved, and "." is not allowed.
const toApiWorker = (path: string) =>
  path === "/" || path === "/index.html" || path === "/favicon.svg" || /^\/(v1|assets|reference)(\/|$)/.test(path);

// Never deployed, so no short domain of ours reaches it: only loopback names and addresses.
const OWN_HOST = "localhost";

export default {
  fetch(request, env) {
    const { hostname, pathname } = new URL(request.url);
    if (isOwnHost(hostname, OWN_HOST) && toApiWorker(pathname)) return env.API.fetch(request);
    return env.REDIRECT.fetch(devRequest(request));
  },
  async scheduled(controller, env) {
    const result = await env.INGEST.scheduled({ scheduledTime: new Date(controller.scheduledTime), cron: controller.cron });
    if (result.outcome !== "ok") throw new Error(`ingest cron finished with outcome ${result.outcome}`);
  },
} satisfies ExportedHandler<Env>;
