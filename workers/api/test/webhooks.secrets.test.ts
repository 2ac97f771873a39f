import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { firstOnShards } from "../../../test/fixtures.ts";
import { call, callWithEnv, seedKey } from "./helpers.ts";
import { openedSecrets } from "./webhook-secrets.ts";

afterEach(() => vi.restoreAllMocks());

const row = async (id: string) => (await firstOnShards(env, "SELECT * FROM webhooks WHERE id = ?1", id))?.row ?? null;
const SEALED = /^v1:test-only:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]+={0,2}$/;

/** Every form in which a secret's bytes could sit in a row: as given, its key's base64, the base64 and hex of its text. */
function forms(secret: string): string[] {
  const bytes = new TextEncoder().encode(secret);
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  const keyPart = secret.startsWith("whsec_") ? [secret.slice("whsec_".length)] : [];
  return [secret, btoa(String.fromCharCode(...bytes)), hex, hex.toUpperCase(), ...keyPart];
}

function expectNoSecretIn(stored: Record<string, unknown>, secret: string) {
  const text = JSON.stringify(stored);
  for (const form of forms(secret)) expect(text).not.toContain(form);
}

describe("webhook secrets at rest", () => {
  it("stores generated, chosen and rotated secrets sealed, never as themselves", async () => {
    const { key } = await seedKey();
    const generated = (await call("/v1/webhooks", { method: "POST", key, body: { url: "https://example.com/a", events: ["qr.scanned"] } })).json.data;
    const chosen = "my-own-secret-of-some-length";
    const custom = (await call("/v1/webhooks", { method: "POST", key, body: { url: "https://example.com/b", events: ["qr.scanned"], secret: chosen } })).json.data;

    for (const [id, secret] of [[generated.id, generated.secret], [custom.id, chosen]] as const) {
      const stored = (await row(id))!;
      expect(stored.secret).toMatch(SEALED);
      expectNoSecretIn(stored, secret);
      expect((await openedSecrets(id)).secret).toBe(secret);
    }

    const rotated = (await call(`/v1/webhooks/${generated.id}/rotate-secret`, { method: "POST", key })).json.data;
    const stored = (await row(generated.id))!;
    expect(stored.secret).toMatch(SEALED);
    expect(stored.previous_secret).toMatch(SEALED);
    expectNoSecretIn(stored, generated.secret);
    expectNoSecretIn(stored, rotated.secret);
    expect(await openedSecrets(generated.id)).toEqual({ secret: rotated.secret, previous_secret: generated.secret });
  });

  it("seals the same secret differently each time (a fresh IV per sealing)", async () => {
    const { key } = await seedKey();
    const body = { url: "https://example.com/a", events: ["qr.scanned"], secret: "the-same-secret-twice" };
    const [a, b] = [(await call("/v1/webhooks", { method: "POST", key, body })).json.data, (await call("/v1/webhooks", { method: "POST", key, body })).json.data];
    const [ra, rb] = [(await row(a.id))!, (await row(b.id))!];
    expect(ra.secret).not.toBe(rb.secret);
    expect(String(ra.secret).split(":")[2]).not.toBe(String(rb.secret).split(":")[2]);
  });
});

describe("webhook secrets without a usable key", () => {
  /** The API worker's own fetch handler, with the key binding replaced. */
  async function callWithKeys(keys: string | undefined, path: string, key: string, body?: unknown) {
    return callWithEnv({ WEBHOOK_SECRETS_KEYS: keys } as Partial<Env>, path, { method: "POST", key, body });
  }

  it.each([
    ["missing", undefined, "WEBHOOK_SECRETS_KEYS is not set"],
    ["empty", "", "WEBHOOK_SECRETS_KEYS is not set"],
    ["without a key id", "menDpB9h7jtgoXFFF19A4QxgH9sRlYto0ANaAWLX8SE=", 'WEBHOOK_SECRETS_KEYS: entry 1 is not "<key id>:<base64 of 32 bytes>"'],
    ["of 16 bytes", "k1:AAAAAAAAAAAAAAAAAAAAAA==", 'WEBHOOK_SECRETS_KEYS: entry 1 is not "<key id>:<base64 of 32 bytes>"'],
    ["not base64", "k1:not*base64*at*all*not*base64*at*all*not*ba", 'WEBHOOK_SECRETS_KEYS: entry 1 is not "<key id>:<base64 of 32 bytes>"'],
    ["with a key id twice", "k1:menDpB9h7jtgoXFFF19A4QxgH9sRlYto0ANaAWLX8SE=,k1:4q70wcQpfo03+GFazv3lnBQ6MR/S28XcMx131M5tZtU=", 'WEBHOOK_SECRETS_KEYS: key id "k1" appears twice'],
  ])("answers a plain 500 and logs why when the key is %s, writing nothing", async (_, keys, reason) => {
    const { key, workspace } = await seedKey();
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await callWithKeys(keys, "/v1/webhooks", key, { url: "https://example.com/a", events: ["qr.scanned"], secret: "a-secret-to-keep-safe" });
    expect(res.status).toBe(500);
    expect(res.json.error).toEqual({ code: "INTERNAL_SERVER_ERROR", message: "Something went wrong on our side. Try again later." });
    const lines = logged.mock.calls.map((c) => String(c[0]));
    expect(lines.map((l) => JSON.parse(l)).some((l) => l.event === "unhandled_error" && l.error.includes(reason))).toBe(true);
    // The log names the problem, never key material or the secret.
    for (const l of lines) {
      expect(l).not.toContain("menDpB9h7jtgoXFFF19A4QxgH9sRlYto0ANaAWLX8SE=");
      expect(l).not.toContain("a-secret-to-keep-safe");
    }
    const count = await workspace.db.prepare("SELECT count(*) AS n FROM webhooks WHERE workspace_id = ?1").bind(workspace.id).first<number>("n");
    expect(count).toBe(0);
  });

  it("leaves the secret as it was when a rotation finds no usable key", async () => {
    const { key } = await seedKey();
    const created = (await call("/v1/webhooks", { method: "POST", key, body: { url: "https://example.com/a", events: ["qr.scanned"] } })).json.data;
    const before = await row(created.id);
    vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await callWithKeys(undefined, `/v1/webhooks/${created.id}/rotate-secret`, key);
    expect(res.status).toBe(500);
    expect(await row(created.id)).toEqual(before);
    expect(await openedSecrets(created.id)).toEqual({ secret: created.secret, previous_secret: null });
  });
});
