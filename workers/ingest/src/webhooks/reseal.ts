import { shardDb } from "@qr3/core";
import { clearExpiredPreviousSecrets, replaceSecrets, secretsToReseal, type StoredSecrets } from "@qr3/db";
import { loadKeyring, resealSecret, sealedPrefix, SecretsKeyError, UnreadableSecretError, type Keyring } from "@qr3/webhooks";

// Rows per read and write, and reads per run: 1,000 rows a run in about 20 queries, well inside
// the cron's budget of D1 queries.
const PAGE = 100;
const PAGES_PER_RUN = 10;

export interface ResealReport {
  resealed: number;
  unreadable: number;
  expired: number;
}

async function reseal(keyring: Keyring, row: StoredSecrets): Promise<StoredSecrets> {
  return {
    id: row.id,
    secret: await resealSecret(keyring, row.id, row.secret),
    previous_secret: row.previous_secret === null ? null : await resealSecret(keyring, row.id, row.previous_secret),
  };
}

/**
 * Run by every cron on each shard: forgets previous secrets past their 24 hours, then seals under the current
 * key (the first of WEBHOOK_SECRETS_KEYS) every stored secret that is not yet: those of an older
 * key after a key rotation, and those stored plain before secrets were sealed. A row that does
 * not open is logged and left as it is. Without a usable binding this throws.
 */
export async function resealWebhookSecrets(env: Env, shard: number, now: number): Promise<ResealReport> {
  const db = shardDb(env, shard);
  const keyring = await loadKeyring(env.WEBHOOK_SECRETS_KEYS);
  const report: ResealReport = { resealed: 0, unreadable: 0, expired: await clearExpiredPreviousSecrets(db, new Date(now).toISOString()) };
  const prefix = sealedPrefix(keyring.currentId);
  // Every value under the current key sorts in [prefix, end): prefix's last character is ":".
  const end = `${prefix.slice(0, -1)};`;
  const skip: string[] = [];
  for (let page = 0; page < PAGES_PER_RUN; page++) {
    const rows = await secretsToReseal(db, prefix, end, skip, PAGE);
    const changes: Array<{ now: StoredSecrets; was: StoredSecrets }> = [];
    for (const row of rows) {
      try {
        changes.push({ now: await reseal(keyring, row), was: row });
      } catch (err) {
        // One row's trouble (altered, or sealed under a key no longer listed) stops no other row.
        if (!(err instanceof UnreadableSecretError || err instanceof SecretsKeyError)) throw err;
        console.error(JSON.stringify({ event: "webhook_secret_unreadable", webhook_id: row.id, reason: err.message }));
        skip.push(row.id);
        report.unreadable++;
      }
    }
    if (changes.length > 0) report.resealed += await replaceSecrets(db, changes);
    if (rows.length < PAGE) break;
  }
  return report;
}
