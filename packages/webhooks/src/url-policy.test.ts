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

  it("allows http://127.0.0.1 and localhost only when local development says so", () => {
    expect(webhookUrlProblem("http://127.0.0.1:9000/hook", development)).toBeNull();
    expect(webhookUrlProblem("http://localhost:9000/hook", development)).toBeNull();
    expect(webhookUrlProblem("http://10.0.0.8/hook", development)).toBe("must use https");
    expect(webhookUrlProblem("https://169.254.169.254/", development)).toBe("must use a host name, not an IP address");
  });
});
