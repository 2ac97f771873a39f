import { env } from "cloudflare:workers";
import { loadKeyring, openSecret } from "@qr3/webhooks";

/** A webhook's stored secrets, opened with the test key, as the ingest worker opens them to sign. */
export async function openedSecrets(id: string) {
  const row = await env.DB.prepare("SELECT secret, previous_secret FROM webhooks WHERE id = ?1").bind(id).first<{ secret: string; previous_secret: string | null }>();
  const keyring = await loadKeyring(env.WEBHOOK_SECRETS_KEYS);
  return {
    secret: await openSecret(keyring, id, row!.secret),
    previous_secret: row!.previous_secret === null ? null : await openSecret(keyring, id, row!.previous_secret),
  };
}
