import type { DeliveryToSend } from "@qr3/db";
import { openSecret, UnreadableSecretError, type Keyring } from "@qr3/webhooks";

const unreadable = (webhookId: string, column: string, err: UnreadableSecretError) =>
  console.error(JSON.stringify({ event: "webhook_secret_unreadable", webhook_id: webhookId, column, reason: err.message }));

/** The opened secret, or null (logged) when the stored value does not open. */
async function tryOpen(keyring: Keyring, d: DeliveryToSend, column: "secret" | "previous_secret"): Promise<string | null> {
  try {
    return await openSecret(keyring, d.webhook_id, d[column]!);
  } catch (err) {
    if (!(err instanceof UnreadableSecretError)) throw err;
    unreadable(d.webhook_id, column, err);
    return null;
  }
}

/**
 * The secrets that sign a subscription's deliveries: the current one, and the previous one for 24
 * hours after a rotation, opened once per subscription. When the current one does not open
 * (altered, or copied from another webhook's row) this gives null and that subscription's
 * deliveries fail, the others' go on; a previous one that does not open only adds no signature,
 * so that rotating away from an unreadable secret mends the subscription at once. A missing key
 * is not caught here: it is the configuration's fault, and the message is retried until the key
 * is back.
 */
export function signingSecrets(keyring: Keyring, now: number) {
  const opened = new Map<string, Promise<string[] | null>>();
  const open = async (d: DeliveryToSend): Promise<string[] | null> => {
    const current = await tryOpen(keyring, d, "secret");
    if (current === null) return null;
    const previousValid = d.previous_secret && d.previous_secret_expires_at && Date.parse(d.previous_secret_expires_at) > now;
    const previous = previousValid ? await tryOpen(keyring, d, "previous_secret") : null;
    return previous === null ? [current] : [current, previous];
  };
  return (d: DeliveryToSend): Promise<string[] | null> => {
    if (!opened.has(d.webhook_id)) opened.set(d.webhook_id, open(d));
    return opened.get(d.webhook_id)!;
  };
}
