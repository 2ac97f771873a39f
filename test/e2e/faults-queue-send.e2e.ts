// The redirector's queue sends at the broker's size limit, for real: the real redirect bundle on
// workerd with the real local queue broker, which refuses a message over 128 KB as production's
// does. Every redirect answered must end delivered once, or logged as lost by its scan id.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLoad } from "../../scripts/bench/load.ts";
import { waitFor } from "./helpers.ts";
import { loggedEvents, type EnqueueFailure } from "./log-events.ts";
import { startRedirectAlone, type RedirectAlone } from "./redirect-alone.ts";

const IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

describe("the redirector's queue sends at the broker's size limit", () => {
  // The redirect bundle on workerd with the real local queue broker, and a consumer that counts
  // what arrives. A hundred scans of a code with a long destination, from in-app browsers with
  // long user agents and referers, come to more than 500 KB: far beyond what one queue message
  // takes (128 KB). The redirector cuts its packs by size as well as by count, so they all
  // arrive; should the broker refuse one all the same, the accounting below holds either way. The
  // batch interval is half a second, so that a pack cut short by the end of a phase goes too.
  let redirect: RedirectAlone;
  let refused = -1;

  beforeAll(async () => {
    redirect = await startRedirectAlone(500);
    await redirect.putCode("small1", "https://example.com/menu");
    await redirect.putCode("long1", `https://example.com/landing?campaign=${"c".repeat(1950)}`);
  });
  afterAll(async () => {
    await redirect?.mf.dispose();
  });

  it("answers for every scan: delivered once, or logged by id as lost", async () => {
    const phase = (code: string, requests: number, headers: Record<string, string>) =>
      runLoad({ url: `${redirect.origin}/${code}`, connections: 50, requests, headers: { "cf-connecting-ip": "203.0.113.9", ...headers } });
    const small = { "user-agent": IPHONE };
    const large = { "user-agent": `${IPHONE} [FBAN/FBIOS;${"x".repeat(900)}]`.slice(0, 1024), referer: `https://l.facebook.com/l.php?u=${"u".repeat(2000)}` };
    const loads = [await phase("small1", 300, small), await phase("long1", 300, large), await phase("small1", 200, small)];
    const answered = loads.reduce((n, l) => n + (l.statuses.get(302) ?? 0), 0);
    expect(loads.map((l) => [l.errors, [...l.statuses]])).toEqual([[0, [[302, 300]]], [0, [[302, 300]]], [0, [[302, 200]]]]);

    const delivered = redirect.delivered;
    const lost = () => loggedEvents<EnqueueFailure>(redirect.logs.join("\n"), "scan_enqueue_failed");
    const accounted = async () => (await delivered()).length + lost().reduce((n, f) => n + f.scans, 0);
    expect(await waitFor(accounted, (n) => n >= answered, 20_000)).toBe(answered);

    const ids = await delivered();
    const lostIds = lost().flatMap((f) => f.scan_ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(lost().every((f) => f.scan_ids.length === f.scans)).toBe(true);
    expect(new Set([...ids, ...lostIds]).size).toBe(answered);
    // What the broker took arrived; what it refused is exactly what was logged.
    expect(ids.length + lostIds.length).toBe(answered);
    refused = lostIds.length;
  });

  // The redirector cuts its packs by size as well as by count, so the broker refuses none.
  it("delivers large scans too", () => {
    expect(refused).toBe(0);
  });
});
