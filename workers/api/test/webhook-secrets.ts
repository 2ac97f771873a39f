import { env } from "cloudflare:workers";
import { loadKeyring, openSecret } from "@qr3/webhooks";
import { firstOnShards } from "../../../test/fixtures.ts";

/** A webhook's stored secrets (in whichever shard holds it), opened with the test key, as the ingest worker opens them to sign. */
export async function openedSecrets(id: string) {
  const found = await firstOnShards<{ secret: string; previous_secret: string | null }>(env, "SELECT secret, previous_secret FROM webhooks WHERE id = ?1", id);
  const row = found?.row;
  const keyring = await loadKeyring(env.WEBHOOK_SECRETS_KEYS);
  return {
    secret: await openSecret(keyring, id, row!.secret),
    previous_secret: row!.previous_secret === null ? null : await openSecret(keyring, id, row!.previous_secret),
  };
}
