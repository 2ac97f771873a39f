// Small human-readable pages for people whose scan cannot be redirected.
function page(status: number, title: string, text: string, request: Request): Response {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}</style>
</head><body><h1>${title}</h1><p>${text}</p></body></html>`;
  return new Response(request.method === "HEAD" ? null : body, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
  });
}

export function notFoundResponse(request: Request): Response {
  return page(404, "Link not found", "This QR code link does not exist. Check that it was copied in full.", request);
}

// Why a code's scan is not redirected, in the visitor's words.
const GONE = {
  disabled: ["Link no longer active", "The owner of this QR code has disabled it."],
  not_started: ["Link not active yet", "This QR code is not active yet. Please try again later."],
  expired: ["Link expired", "This QR code has expired."],
  capped: ["Link no longer active", "This QR code has reached its limit of scans."],
} as const;

export function goneResponse(request: Request, why: string): Response {
  const [title, text] = GONE[why as keyof typeof GONE] ?? GONE.disabled;
  return page(410, title, text, request);
}
