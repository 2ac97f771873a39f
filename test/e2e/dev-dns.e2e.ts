// The local stack's DNS-over-HTTPS server (scripts/lib/dev-dns.ts), on its own: answers in
// cloudflare-dns.com's JSON format, the admin interface, and the records kept in a file.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevDns, txtData, type DevDns } from "../../scripts/lib/dev-dns.ts";

const NAME = "_qr3-verify.go.example.com";
let dir: string;
let dns: DevDns;

const lookup = async (name: string, type = "TXT") => {
  const res = await fetch(`${dns.url}?name=${encodeURIComponent(name)}&type=${type}`, { headers: { accept: "application/dns-json" } });
  return { status: res.status, contentType: res.headers.get("content-type"), body: (await res.json()) as { Status: number; Answer?: unknown[] } };
};
const admin = async (method: string, body?: unknown, query = "") => {
  const res = await fetch(`${dns.origin}/records${query}`, { method, body: body === undefined ? null : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { records?: { name: string; values: string[] }[]; error?: string } };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "qr3-dns-"));
  dns = await startDevDns({ file: join(dir, "dns.json") });
});

afterAll(async () => {
  await dns.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("dev DNS server", () => {
  it("answers an unknown name with Status 3 and no Answer", async () => {
    const { status, contentType, body } = await lookup("nothing.example.com");
    expect(status).toBe(200);
    expect(contentType).toBe("application/dns-json");
    expect(body.Status).toBe(3);
    expect(body).not.toHaveProperty("Answer");
  });

  it("answers a TXT value added over HTTP as cloudflare-dns.com does, whatever the name's case", async () => {
    expect((await admin("PUT", { name: NAME, type: "TXT", value: "qr3-verify=tok1" })).status).toBe(200);
    for (const [name, type] of [[NAME, "TXT"], ["_QR3-verify.Go.Example.com.", "16"]] as const) {
      const { body } = await lookup(name, type);
      expect(body).toMatchObject({ Status: 0, Question: [{ name: `${NAME}.`, type: 16 }] });
      expect(body.Answer).toEqual([{ name: `${NAME}.`, type: 16, TTL: 60, data: '"qr3-verify=tok1"' }]);
    }
    // The name exists, but holds no record of that type.
    const aaaa = await lookup(NAME, "AAAA");
    expect(aaaa.body.Status).toBe(0);
    expect(aaaa.body).not.toHaveProperty("Answer");
  });

  it("adds, replaces, lists and removes values", async () => {
    await admin("PUT", { name: NAME, value: "other=1" });
    await admin("PUT", { name: NAME, value: "other=1" }); // once only
    expect((await lookup(NAME)).body.Answer).toHaveLength(2);
    await admin("PUT", { name: NAME, values: ["qr3-verify=tok2"] });
    expect((await admin("GET")).body.records).toEqual([{ name: NAME, type: "TXT", values: ["qr3-verify=tok2"] }]);

    dns.setTxt("_qr3-verify.qr.shop.example", ["qr3-verify=a", "qr3-verify=b"]);
    expect((await lookup("_qr3-verify.qr.shop.example")).body.Answer).toHaveLength(2);
    await admin("DELETE", undefined, `?name=${NAME}`);
    expect((await lookup(NAME)).body.Status).toBe(3);
    expect((await admin("GET")).body.records!.map((r) => r.name)).toEqual(["_qr3-verify.qr.shop.example"]);
    await admin("DELETE");
    expect((await admin("GET")).body.records).toEqual([]);
  });

  it("keeps its records in its file, and reads them back on start", async () => {
    dns.setTxt(NAME, ["qr3-verify=kept"]);
    expect(JSON.parse(readFileSync(join(dir, "dns.json"), "utf8"))).toEqual({ records: [{ name: NAME, type: "TXT", values: ["qr3-verify=kept"] }] });
    const again = await startDevDns({ file: join(dir, "dns.json") });
    try {
      const res = await fetch(`${again.url}?name=${NAME}&type=TXT`);
      expect(((await res.json()) as { Answer: { data: string }[] }).Answer[0]!.data).toBe('"qr3-verify=kept"');
    } finally {
      await again.close();
    }
    dns.clear();
  });

  it("splits a value longer than 255 bytes into character strings, escaping quotes", () => {
    expect(txtData('a "quoted" \\ value')).toBe('"a \\"quoted\\" \\\\ value"');
    expect(txtData("x".repeat(300))).toBe(`"${"x".repeat(255)}" "${"x".repeat(45)}"`);
    expect(txtData("ü".repeat(130))).toBe(`"${"ü".repeat(127)}" "${"ü".repeat(3)}"`);
  });

  it("refuses what it cannot hold or answer", async () => {
    expect((await admin("PUT", { name: NAME, type: "A", value: "192.0.2.1" })).status).toBe(400);
    expect((await admin("PUT", { name: "not a name", value: "x" })).status).toBe(400);
    expect((await admin("PUT", { name: NAME })).status).toBe(400);
    expect((await fetch(`${dns.url}?type=TXT`)).status).toBe(400);
    expect((await fetch(`${dns.url}?name=${NAME}&type=NOPE`)).status).toBe(400);
    expect((await fetch(dns.url, { method: "POST", headers: { "content-type": "application/dns-message" }, body: new Uint8Array(12) })).status).toBe(415);
  });
});
