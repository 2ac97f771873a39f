// Lets a local client pretend to scan from elsewhere, since every local request comes from
// 127.0.0.1 and wrangler's request.cf is a fixed placeholder:
//   x-dev-country: AT   x-dev-region: Vienna   x-dev-city: Vienna   x-dev-ip: 203.0.113.7
// The headers are removed before the request reaches the redirector.
const GEO_HEADERS = { "x-dev-country": "country", "x-dev-region": "region", "x-dev-city": "city" } as const;

export function devRequest(request: Request): Request {
  const headers = new Headers(request.headers);
  const cf: Record<string, unknown> = { ...(request.cf ?? {}) };
  let changed = false;
  for (const [header, field] of Object.entries(GEO_HEADERS)) {
    const value = headers.get(header);
    if (value === null) continue;
    cf[field] = value === "" ? undefined : value;
    headers.delete(header);
    changed = true;
  }
  const ip = headers.get("x-dev-ip");
  if (ip !== null) {
    headers.set("cf-connecting-ip", ip);
    headers.delete("x-dev-ip");
    changed = true;
  }
  return changed ? new Request(request, { headers, cf }) : request;
}
