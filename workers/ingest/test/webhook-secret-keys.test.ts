import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { countSecretsByKey } from "@qr3/db";
import { generateSecret, loadKeyring, sealSecret } from "@qr3/webhooks";
import { expect, it } from "vitest";
import { seedWorkspace } from "../../../test/fixtures.ts";
import worker from "../src/index.ts";
import { seedWebhook } from "./webhook-helpers.ts";

const K1 = "k1:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
const K2 = "k2:AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";

// What `pnpm admin webhook-secrets` prints: how many stored secrets each key seals, so an
// operator knows when the old key may leave the binding.
it("counts stored secrets, current and previous, per sealing key, and plain ones apart", async () => {
  const ws = await seedWorkspace(env.DB);
  const [a, b] = [await seedWebhook(ws.id), await seedWebhook(ws.id)];
  await seedWebhook(ws.id);
  const k1 = await loadKeyring(K1);
  const expires = new Date(Date.now() + 3600_000).toISOString();
  await env.DB.prepare("UPDATE webhooks SET secret = ?2, previous_secret = ?3, previous_secret_expires_at = ?4 WHERE id = ?1")
    .bind(a.id, await sealSecret(k1, a.id, generateSecret()), await sealSecret(k1, a.id, generateSecret()), expires)
    .run();
  await env.DB.prepare("UPDATE webhooks SET secret = ?2 WHERE id = ?1").bind(b.id, generateSecret()).run();
  expect(await countSecretsByKey(env.DB)).toEqual({ k1: 2, plain: 1, "test-only": 1 });

  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), { ...env, WEBHOOK_SECRETS_KEYS: `${K2},${K1},${env.WEBHOOK_SECRETS_KEYS}` });
  expect(await countSecretsByKey(env.DB)).toEqual({ k2: 4 });
});
