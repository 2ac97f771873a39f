import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { generateSecret, signingKey } from "./secrets.ts";
import { sign, signedHeaders } from "./signing.ts";

// The Standard Webhooks reference vector (also in its JavaScript library's own tests).
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

describe("signing", () => {
  it("matches the Standard Webhooks test vector", async () => {
    expect(await sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it("changes with any part of the signed content", async () => {
    const variants = await Promise.all([
      sign(VECTOR.secret, "msg_other", VECTOR.timestamp, VECTOR.body),
      sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp + 1, VECTOR.body),
      sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp, '{"test": 2432232315}'),
      sign("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", VECTOR.id, VECTOR.timestamp, VECTOR.body),
    ]);
    for (const v of variants) expect(v).not.toBe(VECTOR.signature);
  });

  it("verifies with the standardwebhooks library, for generated and custom secrets", async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ id: "evt_1", type: "qr.scanned" });

    const generated = generateSecret();
    expect(generated).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const headers = await signedHeaders([generated], "evt_1", now, body);
    expect(new Webhook(generated).verify(body, headers)).toEqual(JSON.parse(body));

    // A secret without the whsec_ prefix is used as its UTF-8 bytes: "raw" format for receivers.
    const custom = "my-secret-key-min-16-chars-ünï";
    const customHeaders = await signedHeaders([custom], "evt_1", now, body);
    expect(new Webhook(new TextEncoder().encode(custom) as unknown as string, { format: "raw" }).verify(body, customHeaders)).toBeTruthy();
    expect(() => new Webhook(generated).verify(body, customHeaders)).toThrow();
  });

  it("signs with every secret during a rotation, and either verifies", async () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const body = "{}";
    const headers = await signedHeaders([newSecret, oldSecret], "evt_2", Math.floor(Date.now() / 1000), body);
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(new Webhook(oldSecret).verify(body, headers)).toEqual({});
    expect(new Webhook(newSecret).verify(body, headers)).toEqual({});
  });

  it("rejects a whsec_ secret that is not base64", () => {
    expect(signingKey("whsec_not*base64!")).toBeNull();
    expect(signingKey("whsec_")).toBeNull();
  });
});
