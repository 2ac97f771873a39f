import { devRequest } from "./dev-headers.ts";

// Routes the local origin the way production routes the public domain: /v1/* to the API, the rest
// to the redirector. The cron trigger is forwarded to the ingest worker, so
// GET /cdn-cgi/handler/scheduled?cron=...&time=<ms> runs the ingest cron at that time.
export default {
  fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === "/v1" || pathname.startsWith("/v1/")) return env.API.fetch(request);
    return env.REDIRECT.fetch(devRequest(request));
  },
  async scheduled(controller, env) {
    const result = await env.INGEST.scheduled({ scheduledTime: new Date(controller.scheduledTime), cron: controller.cron });
    if (result.outcome !== "ok") throw new Error(`ingest cron finished with outcome ${result.outcome}`);
  },
} satisfies ExportedHandler<Env>;
