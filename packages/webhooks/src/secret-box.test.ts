import { describe, expect, it } from "vitest";
import { loadKeyring, openSecret, resealSecret, sealSecret, SecretsKeyError, UnreadableSecretError } from "./secret-box.ts";

const K1 = "k1:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
const K2 = "k2:AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describe("secret box", () => {
  it("seals as v1:<key id>:<iv>:<ciphertext>, with a fresh IV each time, and opens again", async () => {
    const keyring = await loadKeyring(K1);
    const [a, b] = [await sealSecret(keyring, "wh_1", SECRET), await sealSecret(keyring, "wh_1", SECRET)];
    expect(a).toMatch(/^v1:k1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]+={0,2}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(SECRET.slice(6));
    expect(await openSecret(keyring, "wh_1", a)).toBe(SECRET);
    expect(await openSecret(keyring, "wh_1", await sealSecret(keyring, "wh_1", "ünïcode-secret-of-mine"))).toBe("ünïcode-secret-of-mine");
  });

  it("opens only for the webhook it was sealed for, and only unaltered", async () => {
    const keyring = await loadKeyring(K1);
    const sealed = await sealSecret(keyring, "wh_1", SECRET);
    await expect(openSecret(keyring, "wh_2", sealed)).rejects.toThrow(UnreadableSecretError);
    const [v, kid, iv, data] = sealed.split(":") as [string, string, string, string];
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1);
    for (const altered of [`${v}:${kid}:${flip(iv, 0)}:${data}`, `${v}:${kid}:${iv}:${flip(data, 0)}`, `${v}:${kid}:${iv}:${data.slice(0, -8)}`, `${v}:${kid}:${iv}`]) {
      await expect(openSecret(keyring, "wh_1", altered)).rejects.toThrow(UnreadableSecretError);
    }
  });

  it("opens under any listed key, seals under the first, and needs every key still in use", async () => {
    const old = await loadKeyring(K1);
    const sealed = await sealSecret(old, "wh_1", SECRET);
    const both = await loadKeyring(`${K2}, ${K1}`);
    expect(both.currentId).toBe("k2");
    expect(await openSecret(both, "wh_1", sealed)).toBe(SECRET);
    const resealed = await resealSecret(both, "wh_1", sealed);
    expect(resealed).toMatch(/^v1:k2:/);
    expect(await resealSecret(both, "wh_1", resealed)).toBe(resealed);
    const only = await loadKeyring(K2);
    expect(await openSecret(only, "wh_1", resealed)).toBe(SECRET);
    await expect(openSecret(only, "wh_1", sealed)).rejects.toThrow(new SecretsKeyError('WEBHOOK_SECRETS_KEYS has no key "k1"'));
  });

  it("reads a plain secret stored before sealing, and the plain: mark of migration 0010", async () => {
    const keyring = await loadKeyring(K1);
    expect(await openSecret(keyring, "wh_1", SECRET)).toBe(SECRET);
    expect(await openSecret(keyring, "wh_1", "plain:v1:my-own-secret")).toBe("v1:my-own-secret");
    expect(await openSecret(keyring, "wh_1", "plain:plain:x-secret-of-mine")).toBe("plain:x-secret-of-mine");
    expect(await resealSecret(keyring, "wh_1", SECRET)).toMatch(/^v1:k1:/);
  });

  it.each([
    [undefined, "WEBHOOK_SECRETS_KEYS is not set"],
    ["  ", "WEBHOOK_SECRETS_KEYS is not set"],
    ["AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=", 'WEBHOOK_SECRETS_KEYS: entry 1 is not "<key id>:<base64 of 32 bytes>"'],
    ["k1:AQEB", 'WEBHOOK_SECRETS_KEYS: entry 1 is not "<key id>:<base64 of 32 bytes>"'],
    [`${K1},bad id:AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=`, 'WEBHOOK_SECRETS_KEYS: entry 2 is not "<key id>:<base64 of 32 bytes>"'],
    [`${K1},`, 'WEBHOOK_SECRETS_KEYS: entry 2 is not "<key id>:<base64 of 32 bytes>"'],
    [`${K1},k1:AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=`, 'WEBHOOK_SECRETS_KEYS: key id "k1" appears twice'],
  ])("refuses the binding %j, naming no key material", async (config, message) => {
    const failure = await loadKeyring(config).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(SecretsKeyError);
    expect((failure as Error).message).toBe(message);
  });
});
