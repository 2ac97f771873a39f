// Self-hosting administration: workspaces, API keys and the databases (there is no sign-up flow).
//   pnpm admin create-workspace --name <name> --plan <free|pro|business|agency|enterprise> [--retention-days N] [--shard N]
//   pnpm admin set-plan --workspace <ws_id> --plan <plan> [--retention-days N]
//   pnpm admin create-key --workspace <ws_id>
//   pnpm admin revoke-key --key <key_id>
//   pnpm admin delete-workspace --workspace <ws_id>
//   pnpm admin shards            (per shard: workspaces, scans, bytes)
//   pnpm admin migrate           (applies the migrations to the control database and every shard)
//   pnpm admin webhook-secrets   (stored webhook secrets per sealing key: when a key may leave WEBHOOK_SECRETS_KEYS)
//   pnpm admin dlq [--queue Q] [--limit N] [--bodies]   (what the dead-letter queues hold)
//   pnpm admin dlq replay [--queue Q] [--ids ID,...]   (sent back by the ingest worker's 5-minute cron)
// --retention-days is for enterprise only (the other plans' retention is fixed). Without --shard a
// new workspace goes to the shard with the fewest retained scans (the lowest number on a tie).
// Local D1 by default (brought up to date first); --remote for the deployed databases;
// --persist-to <dir> for another local state.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { countSecretsByKey } from "@qr3/db";
import { createKey, createWorkspace, deleteWorkspace, revokeKey, setPlan, shardStats } from "./lib/accounts.ts";
import { listDeadLetters, replayDeadLetters } from "./lib/dead-letters.ts";
import { ROOT, migrateRemote, migrateTarget, openLocal, openRemote, type Target } from "./lib/d1.ts";

const COMMANDS = ["create-workspace", "set-plan", "create-key", "revoke-key", "delete-workspace", "shards", "migrate", "webhook-secrets", "dlq"];
const USAGE = `usage: pnpm admin <command> [--remote] [--persist-to DIR]
  create-workspace --name N --plan P [--retention-days D] [--shard S]
  set-plan --workspace ID --plan P [--retention-days D]
  create-key --workspace ID
  revoke-key --key ID
  delete-workspace --workspace ID
  shards
  migrate
  webhook-secrets
  dlq [--queue qr3-scans|qr3-webhooks] [--limit N] [--bodies]
  dlq replay [--queue qr3-scans|qr3-webhooks] [--ids MESSAGE_ID,...]`;

/** Stored webhook secrets per sealing key, summed over the shards. */
async function webhookSecrets(target: Target) {
  const keys: Record<string, number> = {};
  for (const counts of await Promise.all(target.shards.map(countSecretsByKey))) {
    for (const [key, n] of Object.entries(counts)) keys[key] = (keys[key] ?? 0) + n;
  }
  return { keys: Object.fromEntries(Object.entries(keys).sort(([a], [b]) => (a < b ? -1 : 1))) };
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: "string" },
      plan: { type: "string" },
      workspace: { type: "string" },
      key: { type: "string" },
      "retention-days": { type: "string" },
      shard: { type: "string" },
      remote: { type: "boolean", default: false },
      "persist-to": { type: "string" },
      queue: { type: "string" },
      ids: { type: "string" },
      limit: { type: "string" },
      bodies: { type: "boolean", default: false },
    },
  });
  const command = positionals[0];
  if (!command || !COMMANDS.includes(command)) throw new Error(USAGE);
  if (command === "dlq" && positionals[1] !== undefined && positionals[1] !== "replay") throw new Error(USAGE);
  if (command === "migrate" && values.remote) return void process.stdout.write(`${JSON.stringify({ migrations: migrateRemote() })}\n`);

  let target: Target;
  let applied: Record<string, string[]> = {};
  if (values.remote) {
    target = openRemote();
  } else {
    target = await openLocal(values["persist-to"] ?? join(ROOT, ".wrangler/state"));
    applied = await migrateTarget(target);
  }
  try {
    let result: unknown;
    if (command === "create-workspace") result = await createWorkspace(target, values.name, values.plan, values["retention-days"], values.shard);
    else if (command === "set-plan") result = await setPlan(target, values.workspace, values.plan, values["retention-days"]);
    else if (command === "create-key") result = await createKey(target, values.workspace);
    else if (command === "revoke-key") result = await revokeKey(target, values.key);
    else if (command === "shards") result = await shardStats(target);
    else if (command === "migrate") result = { migrations: applied };
    else if (command === "dlq" && positionals[1] === "replay") result = await replayDeadLetters(target.control, values);
    else if (command === "dlq") result = await listDeadLetters(target.control, values);
    else if (command === "webhook-secrets") result = await webhookSecrets(target);
    else result = await deleteWorkspace(target, values.workspace);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await target.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
