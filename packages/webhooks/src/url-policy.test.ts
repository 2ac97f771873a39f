import { describe, expect, it } from "vitest";
import { webhookUrlProblem } from "./url-policy.ts";

const production = { allowLoopback: false };
const development = { allowLoopback: true };

describe("webhook URL policy", () => {
  it.each(["https://example.com/webhooks/qr3", "https://hooks.example.co.uk:8443/a?b=c", "https://xn--bcher-kva.example/x"])(
    "accepts %s",
    (url) => {
      expect(webhookUrlProblem(url, production)).toBeNull();
    },
  );

  it.each([
    ["http://example.com/hook", "must use https"],
    ["ftp://example.com/hook", "must use https"],
    ["https://localhost/hook", "must use a public host name"],
    ["https://api.localhost/hook", "must use a public host name"],
    ["https://printer.local/hook", "must use a public host name"],
    ["https://metadata.google.internal/computeMetadata/v1/", "must use a public host name"],
    ["https://intranet/hook", "must use a public host name"],
    ["https://127.0.0.1/hook", "must use a host name, not an IP address"],
    ["https://10.0.0.8/hook", "must use a host name, not an IP address"],
    ["https://192.168.1.1/hook", "must use a host name, not an IP address"],
    ["https://169.254.169.254/latest/meta-data", "must use a host name, not an IP address"],
    ["https://[::1]/hook", "must use a host name, not an IP address"],
    ["https://[fd00::1]/hook", "must use a host name, not an IP address"],
    ["https://2130706433/hook", "must use a host name, not an IP address"],
    ["https://0x7f.1/hook", "must use a host name, not an IP address"],
    ["https://user:pass@example.com/hook", "must not contain credentials"],
    ["not a url", "must be a valid URL"],
    ["http://127.0.0.1:9000/hook", "must use https"],
  ])("refuses %s in production (%s)", (url, problem) => {
    expect(webhookUrlProblem(url, production)).toBe(problem);
  });

  const WILDCARD = "must use a public host name, not a wildcard DNS name";
  const EMBEDDED = "must use a public host name, not one holding a private IP address";

  it.each([
    "https://169.254.169.254.nip.io/latest/meta-data",
    "https://10-0-0-1.nip.io/hook",
    "https://app-10-0-0-1.nip.io/hook",
    "https://magic-c0a80101.nip.io/hook",
    "https://8.8.8.8.nip.io/hook",
    "https://nip.io/hook",
    "https://10.0.0.1.sslip.io/hook",
    "https://127-0-0-1.sslip.io/hook",
    "https://--1.sslip.io/hook",
    "https://127.0.0.1.xip.io/hook",
    "https://10.0.0.1.xip.name/hook",
    "https://localtest.me/hook",
    "https://api.localtest.me/hook",
    "https://lvh.me/hook",
    "https://shop.lvh.me/hook",
    "https://10.0.0.1.traefik.me/hook",
    "https://traefik.me/hook",
    "https://vcap.me/hook",
    "https://a.localhost.direct/hook",
    "https://7f000001.c0a80001.rbndr.us/hook",
    "https://A.LVH.ME./hook",
  ])("refuses the wildcard DNS name %s", (url) => {
    expect(webhookUrlProblem(url, production)).toBe(WILDCARD);
  });

  it.each([
    "https://10.0.0.1.example.net/hook",
    "https://app.192.168.1.20.example.net/hook",
    "https://127.0.0.1.example.org/hook",
    "https://169.254.169.254.example.com/hook",
    "https://172.16.5.4.example.com/hook",
    "https://100.64.0.1.example.com/hook",
    "https://0.0.0.0.example.com/hook",
    "https://224.0.0.1.example.com/hook",
    "https://10-0-0-1.example.com/hook",
    "https://app-192-168-0-1.example.com/hook",
    "https://ip-172-31-5-9.ec2.example.com/hook",
    "https://7f000001.example.com/hook",
    "https://x.0a000001.example.com/hook",
  ])("refuses %s, which holds a private IPv4 address", (url) => {
    expect(webhookUrlProblem(url, production)).toBe(EMBEDDED);
  });

  it.each([
    "https://8.8.8.8.example.net/hook",
    "https://ip-52-1-2-3.example.com/hook",
    "https://cafebabe.example.com/hook",
    "https://v1-2-3-4.example.com/hook",
    "https://10.example.com/hook",
    "https://2001.db8.example.com/hook",
    "https://nipio.example.com/hook",
    "https://lvh.me.example.com/hook",
  ])("accepts %s, which holds no private address", (url) => {
    expect(webhookUrlProblem(url, production)).toBeNull();
  });

  it.each(["https://example.com/\u0000", "https://example.com/a\nb", "https://example.com/\u2028", "https://example.com/\u0085"])(
    "refuses %j, which holds a control character",
    (url) => {
      expect(webhookUrlProblem(url, production)).toBe("must not contain control characters");
    },
  );

  it("allows http://127.0.0.1 and localhost only when local development says so", () => {
    expect(webhookUrlProblem("http://127.0.0.1:9000/hook", development)).toBeNull();
    expect(webhookUrlProblem("http://localhost:9000/hook", development)).toBeNull();
    expect(webhookUrlProblem("http://10.0.0.8/hook", development)).toBe("must use https");
    expect(webhookUrlProblem("https://169.254.169.254/", development)).toBe("must use a host name, not an IP address");
  });
});
