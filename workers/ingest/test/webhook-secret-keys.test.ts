import { env } from "cloudflare:workers";
import { countSecretsByKey } from "@qr3/db";
import { generateSecret, loadKeyring, sealSecret } from "@qr3/webhooks";
import { expect, it } from "vitest";
import { seedWorkspace } from "../../../test/fixtures.ts";
import { FREQUENT, runCron } from "./cron.ts";
import { seedWebhook } from "./webhook-helpers.ts";

const K1 = "k1:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
const K2 = "k2:AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";

// What `pnpm admin webhook-secrets` prints: how many stored secrets each key seals, so an
// operator knows when the old key may leave the binding.
it("counts stored secrets, current and previous, per sealing key, and plain ones apart", async () => {
  const ws = await seedWorkspace(env);
  const [a, b] = [await seedWebhook(ws), await seedWebhook(ws)];
  await seedWebhook(ws);
  const k1 = await loadKeyring(K1);
  const expires = new Date(Date.now() + 3600_000).toISOString();
  await ws.db.prepare("UPDATE webhooks SET secret = ?2, previous_secret = ?3, previous_secret_expires_at = ?4 WHERE id = ?1")
    .bind(a.id, await sealSecret(k1, a.id, generateSecret()), await sealSecret(k1, a.id, generateSecret()), expires)
    .run();
  await ws.db.prepare("UPDATE webhooks SET secret = ?2 WHERE id = ?1").bind(b.id, generateSecret()).run();
  // A webhook in another shard, counted in its own.
  const elsewhere = await seedWorkspace(env);
  await seedWebhook(elsewhere);
  expect(await countSecretsByKey(ws.db)).toEqual({ k1: 2, plain: 1, "test-only": 1 });
  expect(await countSecretsByKey(elsewhere.db)).toEqual({ "test-only": 1 });

  await runCron({ ...env, WEBHOOK_SECRETS_KEYS: `${K2},${K1},${env.WEBHOOK_SECRETS_KEYS}` }, FREQUENT, Date.now());
  expect(await countSecretsByKey(ws.db)).toEqual({ k2: 4 });
  expect(await countSecretsByKey(elsewhere.db)).toEqual({ k2: 1 });
});
