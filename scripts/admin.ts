// Self-hosting administration: workspaces and API keys (there is no sign-up flow).
//   pnpm admin create-workspace --name <name> --plan <free|pro|business|agency|enterprise> [--retention-days N]
//   pnpm admin set-plan --workspace <ws_id> --plan <plan> [--retention-days N]
//   pnpm admin create-key --workspace <ws_id>
//   pnpm admin revoke-key --key <key_id>
//   pnpm admin delete-workspace --workspace <ws_id>
//   pnpm admin webhook-secrets   (stored webhook secrets per sealing key: when a key may leave WEBHOOK_SECRETS_KEYS)
//   pnpm admin dlq [--queue Q] [--limit N] [--bodies]   (what the dead-letter queues hold)
//   pnpm admin dlq replay [--queue Q] [--ids ID,...]   (sent back by the ingest worker's 5-minute cron)
// --retention-days is for enterprise only (the other plans' retention is fixed).
// Local D1 by default; --remote for the deployed database; --persist-to <dir> for another local state.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { countSecretsByKey } from "@qr3/db";
import { createKey, createWorkspace, deleteWorkspace, revokeKey, setPlan } from "./lib/accounts.ts";
import { listDeadLetters, replayDeadLetters } from "./lib/dead-letters.ts";
import { ROOT, applyLocalMigrations, openLocal, openRemote } from "./lib/d1.ts";

const COMMANDS = ["create-workspace", "set-plan", "create-key", "revoke-key", "delete-workspace", "webhook-secrets", "dlq"];
const USAGE = `usage: pnpm admin <command> [--remote] [--persist-to DIR]
  create-workspace --name N --plan P [--retention-days D]
  set-plan --workspace ID --plan P [--retention-days D]
  create-key --workspace ID
  revoke-key --key ID
  delete-workspace --workspace ID
  webhook-secrets
  dlq [--queue qr3-scans|qr3-webhooks] [--limit N] [--bodies]
  dlq replay [--queue qr3-scans|qr3-webhooks] [--ids MESSAGE_ID,...]`;

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: "string" },
      plan: { type: "string" },
      workspace: { type: "string" },
      key: { type: "string" },
      "retention-days": { type: "string" },
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

  let target;
  if (values.remote) {
    target = openRemote();
  } else {
    const persistTo = values["persist-to"] ?? join(ROOT, ".wrangler/state");
    applyLocalMigrations(persistTo);
    target = await openLocal(persistTo);
  }
  try {
    let result: unknown;
    if (command === "create-workspace") result = await createWorkspace(target.db, values.name, values.plan, values["retention-days"]);
    else if (command === "set-plan") result = await setPlan(target.db, values.workspace, values.plan, values["retention-days"]);
    else if (command === "create-key") result = await createKey(target.db, values.workspace);
    else if (command === "revoke-key") result = await revokeKey(target.db, values.key);
    else if (command === "dlq" && positionals[1] === "replay") result = await replayDeadLetters(target.db, values);
    else if (command === "dlq") result = await listDeadLetters(target.db, values);
    else if (command === "webhook-secrets") result = { keys: await countSecretsByKey(target.db) };
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
